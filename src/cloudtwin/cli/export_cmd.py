"""`cloudtwin export`: every table's rows of one run as Parquet files, one file per table.

The results file is opened read-only (`ResultsStore.export_parquet` writes `run-ID-TABLE.parquet` into the
folder, created if missing, replacing files of that name). RUN_ID is a run number (any status: an interrupted
run's rows so far are exported too) or `latest`, the newest finished ('ok') run, as `cloudtwin.open` picks it.
`--json` prints one JSON object on stdout: `{"run_id", "files": {table: path}, "rows": {table: n}}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from cloudtwin.errors import ResultsError
from cloudtwin.results import ResultsStore
from cloudtwin.results.naming import number_or_latest


def parse_run(text: str) -> int | str:
    """A RUN argument: a run number, or 'latest'; anything else is bad input (one line)."""
    number = number_or_latest(text, "run")
    return "latest" if number is None else number


def main(run: str, parquet: Path, db: Path, json_: bool) -> None:
    """Write run `run` of `db` as Parquet files into `parquet`; print a line per file (or one JSON object)."""
    import pyarrow.parquet as pq

    wanted = parse_run(run)
    folder = parquet.expanduser().resolve()
    with ResultsStore(db, read_only=True) as store:
        run_id = store.pick_run(wanted)
        row = store.get_run(run_id)
        files = store.export_parquet(run_id, folder)
    try:
        rows = {table: int(pq.read_metadata(path).num_rows) for table, path in files.items()}
    except OSError as error:
        raise ResultsError(f"cannot read back the exported files in `{folder}`: {error}") from None
    if json_:
        payload = {
            "run_id": run_id,
            "files": {table: str(path) for table, path in files.items()},
            "rows": rows,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"run {run_id} ({escape(str(row['scenario_name']))}, {row['status']}): "
        f"{len(files)} Parquet files in {escape(str(folder))}"
    )
    width = max(len(table) for table in files)
    count_width = max(len(f"{n:,}") for n in rows.values())
    for table, path in files.items():
        n = rows[table]
        unit = "row " if n == 1 else "rows"
        console.print(f"  {table:<{width}}  {n:>{count_width},} {unit}  {escape(path.name)}")
