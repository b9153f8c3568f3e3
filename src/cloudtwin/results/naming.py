"""How a user names a stored run or sweep: its number, or `latest`. One reading for the store and the commands."""

from __future__ import annotations

from cloudtwin.errors import ResultsError


def number_or_latest(value: int | str | None, what: str) -> int | None:
    """`value` as a number, or None for `latest` (or None); anything else a ResultsError naming `what` ("run")."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "latest"):
        return None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ResultsError(f"a {what} is a {what} number or 'latest' (got {value!r})") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResultsError(f"a {what} is a {what} number or 'latest' (got {value!r})")
    return value
