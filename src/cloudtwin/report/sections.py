"""How a report is made of sections, and how a capability adds one: a small function, registered in order.

    @run_section
    def link_utilisation(data: RunData) -> Section | None:
        ...
        return Section("Links", "What to read from it, in a line.", figure=fig)

A section is a plotly figure or a block of HTML (a table, a brief), with its title and a one-line caption
that says what to read from it. A function returns None when its run has nothing to show (no services, say).
Sections appear in the order their modules register them. A sweep's report is made the same way, of the
functions `@sweep_section` registers (`cloudtwin.report.sweep_charts`), each given the sweep's `SweepOutcome`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from cloudtwin.report.data import RunData
    from cloudtwin.sweeps.sweep import SweepOutcome

#: Pixel height of an ordinary chart.
CHART_HEIGHT_PX = 420
#: The palette: one hue per meaning, shared by every chart.
COLORS = {
    "accent": "#f5a623",
    "ok": "#2a9d8f",
    "bad": "#e63946",
    "muted": "#8d99ae",
    "ink": "#1d3557",
}


@dataclass(frozen=True)
class Section:
    """A titled part of a report: a chart (`figure`) or HTML (`html`), with a one-line caption."""

    title: str
    caption: str
    figure: go.Figure | None = None
    html: str | None = None

    def __post_init__(self) -> None:
        if (self.figure is None) == (self.html is None):
            raise ValueError("a section holds a figure or html, exactly one")


RunSection = Callable[["RunData"], Section | None]
#: The run report's sections, in page order.
RUN_SECTIONS: list[RunSection] = []


def run_section(make: RunSection) -> RunSection:
    """Register `make` as the next section of a run's report."""
    RUN_SECTIONS.append(make)
    return make


SweepSection = Callable[["SweepOutcome"], "Section | list[Section] | None"]
#: The sweep report's sections, in page order; a function may give several (one chart per metric).
SWEEP_SECTIONS: list[SweepSection] = []


def sweep_section(make: SweepSection) -> SweepSection:
    """Register `make` as the next section (or sections) of a sweep's report."""
    SWEEP_SECTIONS.append(make)
    return make


def layout(**extra: Any) -> dict[str, Any]:
    """The layout every chart starts from: white, compact margins, legend on top."""
    base: dict[str, Any] = {
        "template": "plotly_white",
        "height": CHART_HEIGHT_PX,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "legend": {"orientation": "h", "y": 1.08, "x": 0},
        "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12},
    }
    base.update(extra)
    return base


def time_axis(horizon_s: float) -> tuple[float, str]:
    """Seconds per unit and the axis title for a run of `horizon_s`: hours up to three days, days beyond."""
    if horizon_s <= 3 * 86400.0:
        return 3600.0, "simulated time (hours)"
    return 86400.0, "simulated time (days)"
