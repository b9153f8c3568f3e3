"""Build a run's report from the results database: read the run, make each registered section, write the page."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from cloudtwin.errors import ResultsError
from cloudtwin.report.data import RunData, read_run
from cloudtwin.report.page import render
from cloudtwin.report.sections import RUN_SECTIONS, Section
from cloudtwin.results import ResultsStore
from cloudtwin.version import __version__

#: The modules whose `@run_section`s make a run's report, in page order (within one, in the order they register).
RUN_SECTION_MODULES = ("cloudtwin.report.run_charts", "cloudtwin.report.network_charts", "cloudtwin.report.cost_charts")
for _module in RUN_SECTION_MODULES:
    importlib.import_module(_module)


def run_sections(data: RunData) -> list[Section]:
    """Every registered section that has something to show for this run, in page order."""
    ordered = sorted(RUN_SECTIONS, key=lambda make: RUN_SECTION_MODULES.index(make.__module__))
    return [section for make in ordered if (section := make(data)) is not None]


def run_report_html(data: RunData) -> str:
    """The run's report as one HTML page."""
    status = data.run["status"]
    subtitle = f"run {data.run_id}, {data.scenario.horizon.days:g} simulated days" + (
        "" if status == "ok" else f" ({status})"
    )
    return render(
        f"cloudtwin: {data.scenario.name}",
        subtitle,
        run_sections(data),
        f"made by cloudtwin {__version__} from run {data.run_id}; map: Natural Earth (public domain)",
    )


def report_path(run_id: int) -> Path:
    """Where a run's report goes when no file is named: `run-N.html` in the current folder."""
    return Path(f"run-{run_id}.html")


def write_run_report(
    db: str | os.PathLike[str],
    run: int | str | None,
    out: str | os.PathLike[str] | Callable[[int], str | os.PathLike[str]],
) -> Path:
    """Write the report of run `run` of `db` (a number, or 'latest'/None for the newest finished run) to `out`
    (a path, or a function of the run number giving one)."""
    with ResultsStore(Path(db), read_only=True) as store:
        data = read_run(store, store.pick_run(run))
    return write_page(run_report_html(data), out(data.run_id) if callable(out) else out)


def check_report_path(out: str | os.PathLike[str]) -> Path:
    """The report file `out`, or a ResultsError (exit 2) when it names a folder or its folder does not exist."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise ResultsError(f"`{path}` is a folder: give the report's file name, e.g. {path / 'report.html'}")
    if not path.parent.is_dir():
        raise ResultsError(f"cannot write the report `{path}`: folder `{path.parent}` does not exist")
    return path


def write_page(page: str, out: str | os.PathLike[str]) -> Path:
    """Write `page` to `out` whole (a temporary file renamed over it), so a reader never sees half a report."""
    path = check_report_path(out)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _write_error(path, error) from None
    return path


def _write_error(path: Path, error: OSError) -> Exception:
    """A failed write: the machine's fault (disk full, exit 1) or the user's (no permission, exit 2)."""
    import errno

    from cloudtwin.errors import ResultsUnavailable

    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return ResultsUnavailable(f"cannot write the report `{path}`: {reason}")
    return ResultsError(f"cannot write the report `{path}`: {reason}")


# The sweep report, below the run report's; `cloudtwin.sweeps` is imported when a sweep report is made.
import typing  # noqa: E402

if typing.TYPE_CHECKING:
    from cloudtwin.sweeps.sweep import SweepOutcome


def sweep_report_html(outcome: SweepOutcome, source: str | os.PathLike[str] | None = None) -> str:
    """A sweep's report as one HTML page: the sections `@sweep_section` registers (`cloudtwin.report.sweep_charts`),
    made of `outcome` (as `run_sweep` returns it, or `stored_sweep` reads it back); `source` names its database."""
    from cloudtwin.report import sweep_charts  # noqa: F401  (registers the sweep sections, in page order)
    from cloudtwin.report.sections import SWEEP_SECTIONS
    from cloudtwin.sweeps.sweep import stored_spec

    sections: list[Section] = []
    for make in SWEEP_SECTIONS:
        made = make(outcome)
        sections += [] if made is None else [made] if isinstance(made, Section) else made
    spec = stored_spec(outcome.spec_yaml)
    runs = f"{len(outcome.runs):,} run{'' if len(outcome.runs) == 1 else 's'}"
    over = f" over {len(outcome.points):,} point(s) of {', '.join(outcome.axes)}" if outcome.axes else ", no axes"
    subtitle = f"sweep {outcome.sweep_id}: {runs}{over}"
    where = f" of `{source}`" if source is not None else ""
    return render(
        f"cloudtwin sweep: {spec.base if spec is not None else outcome.spec_hash[:12]}",
        subtitle,
        sections,
        f"made by cloudtwin {__version__} from sweep {outcome.sweep_id}{where} (spec {outcome.spec_hash[:12]})",
    )


def sweep_report_path(sweep_id: int) -> Path:
    """Where a sweep's report goes when no file is named: `sweep-N.html` in the current folder."""
    return Path(f"sweep-{sweep_id}.html")


def write_sweep_report(
    db: str | os.PathLike[str],
    sweep: int | str | None,
    out: str | os.PathLike[str] | Callable[[int], str | os.PathLike[str]],
) -> Path:
    """Write the report of sweep `sweep` of `db` (a number, or 'latest'/None for the newest) to `out` (a path, or a
    function of the sweep number giving one). The database is opened read-only; the sweep is read back from it."""
    from cloudtwin.sweeps.sweep import stored_sweep

    with ResultsStore(Path(db), read_only=True) as store:
        outcome = stored_sweep(store, store.pick_sweep(sweep))
    return write_page(sweep_report_html(outcome, db), out(outcome.sweep_id) if callable(out) else out)
