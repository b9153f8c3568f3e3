"""Reports: a stored run (or sweep) as one self-contained, offline HTML file of plotly charts.

    from cloudtwin.report import write_run_report, write_sweep_report
    write_run_report("cloudtwin.duckdb", "latest", "report.html")
    write_sweep_report("cloudtwin.duckdb", "latest", "sweep.html")

`headline` (the words the terminal summary shares) needs no plotly; the rest imports it when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudtwin.report.build import run_report_html, sweep_report_html, write_run_report, write_sweep_report

__all__ = ["run_report_html", "sweep_report_html", "write_run_report", "write_sweep_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cloudtwin.report import build

        return getattr(build, name)
    raise AttributeError(name)
