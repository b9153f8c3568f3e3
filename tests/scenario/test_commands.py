"""`cloudtwin validate` and `cloudtwin presets`: exit 0 and a summary whose totals follow from the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudtwin.cli.main import main
from cloudtwin.scenario import load_scenario


def _run(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", "200")  # one line per row, so the totals can be read back
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_validate_summary(
    shared_scenarios: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """erlang-single-zone: 1 region, 1 zone, 1 datacenter, ceil(100/40) = 3 racks, 100 servers, 100 x 8 = 800 vCPUs."""
    code, out = _run(["validate", str(shared_scenarios / "erlang-single-zone.yaml")], capsys, monkeypatch)
    assert code == 0, out
    assert "valid erlang-single-zone" in out
    assert "1 region, 1 zone, 1 datacenter, 3 racks, 100 servers, 800 vCPUs" in out
    assert "Poisson 90/h" in out and "exponential, mean 1 h" in out and "first-fit" in out


def test_validate_with_set(
    shared_scenarios: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate FILE --set ...servers=200` shows the overridden world: 200 servers, 1,600 vCPUs, 5 racks."""
    args = [
        "validate",
        str(shared_scenarios / "erlang-single-zone.yaml"),
        "--set",
        "world.regions[0].zones[0].datacenters[0].servers=200",
    ]
    code, out = _run(args, capsys, monkeypatch)
    assert code == 0, out
    assert "5 racks, 200 servers, 1,600 vCPUs" in out


def test_presets_table(tmp_presets: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The presets table shows each preset's servers: the sum of its datacenters as loaded.

    The `aws-2014` here is a copy of zone-failover: east-a lists 2 x 300, east-b is `count: 2, servers: 300`
    and east-c draws 2 sizes from [250, 350], so its total lies in [1,700, 1,900] and is the loaded world's.
    """
    loaded = load_scenario(tmp_presets / "aws-2014.yaml")
    servers = sum(dc.servers for r in loaded.world.regions for z in r.zones for dc in z.datacenters)  # type: ignore[union-attr]
    assert 4 * 300 + 2 * 250 <= servers <= 4 * 300 + 2 * 350
    code, out = _run(["presets"], capsys, monkeypatch)
    assert code == 0, out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 6}
    assert rows["aws-2014"].split("│")[-2].strip() == f"{servers:,}"
    assert rows["small"].split("│")[-2].strip() == "100"
