"""The placement policies by name: what each one picks, and the integer code compiled code dispatches on.

Every policy chooses among the *feasible* servers of the target zone: up, with
free vCPUs >= the VM's vCPUs AND free memory >= its memory. A down server
carries capacity -1 and is never feasible.
"""

from __future__ import annotations

from cloudtwin.errors import PlacementError

FIRST_FIT = 0
BEST_FIT = 1
WORST_FIT = 2
RANDOM = 3
POWER_OF_TWO = 4

DEFINITIONS: dict[str, str] = {
    "first-fit": "the feasible server with the lowest index",
    "best-fit": "the feasible server with the fewest free vCPUs; ties go to the lowest index",
    "worst-fit": "the feasible server with the most free vCPUs; ties go to the lowest index",
    "random": "a feasible server drawn uniformly at random (exactly uniform)",
    "power-of-two": (
        "two independent uniform draws among the feasible servers (with replacement); keep the fuller: "
        "fewer free vCPUs, then less free memory, then the lower index"
    ),
}

CODES: dict[str, int] = {
    "first-fit": FIRST_FIT,
    "best-fit": BEST_FIT,
    "worst-fit": WORST_FIT,
    "random": RANDOM,
    "power-of-two": POWER_OF_TWO,
}

POLICIES: tuple[str, ...] = tuple(CODES)


def policy_code(name: str) -> int:
    """The compiled-code code of policy `name`; PlacementError naming the known ones otherwise."""
    try:
        return CODES[name]
    except (KeyError, TypeError):
        raise PlacementError(f"placement.policy: unknown policy {name!r} (known: {', '.join(POLICIES)})") from None
