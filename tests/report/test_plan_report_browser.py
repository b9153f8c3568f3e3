"""The plan's report in a real browser (the run report's harness, `test_report_browser`): its three charts draw
offline, with no request and no console error; a screenshot is left in `artifacts/plan-report.png`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_report_browser import ARTIFACTS, browser, visit  # noqa: F401  (`browser` is the harness's fixture)

import cloudtwin


def test_plan_report_draws_offline(tmp_path: Path, browser: Any) -> None:  # noqa: F811
    """aws-2014 over 3 years: demand and capacity (a region menu), the builds timeline and servers per day draw."""
    page_file = tmp_path / "plan.html"
    cloudtwin.plan(cloudtwin.load("aws-2014"), years=3, report=page_file)
    v = visit(browser, page_file, screenshot=ARTIFACTS / "plan-report.png")
    assert v.blocked == [] and v.errors == [] and v.notes == []
    assert v.declared == len(v.charts) == 3
    for chart in v.charts:
        assert chart["plotly"] and chart["mainSvgs"] >= 1 and chart["marks"] >= 1, chart
