"""`cloudtwin latency`: the JSON contract, the text answer with its basis, the region matrix, and bad input."""

from __future__ import annotations

import json

import pytest

from cli_runner import run_cli

AWS_2014_REGIONS = 11


def test_json_is_exactly_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` prints one object with exactly from, to, class, rtt_ms {p50, p99, p999} and basis (the issue's
    "done when": us-east-1 to eu-west-1 with its basis)."""
    code, out, err = run_cli(capsys, "latency", "--preset", "aws-2014", "us-east-1", "eu-west-1", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == ["from", "to", "class", "rtt_ms", "basis"]
    assert (got["from"], got["to"], got["class"]) == ("us-east-1", "eu-west-1", "cross-region")
    assert list(got["rtt_ms"]) == ["p50", "p99", "p999"]
    assert 0 < got["rtt_ms"]["p50"] < got["rtt_ms"]["p99"] < got["rtt_ms"]["p999"]
    assert got["basis"] and all(isinstance(line, str) and line for line in got["basis"])


def test_text_names_the_class_the_quantiles_and_the_basis(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: the class, p50/p99/p99.9 in ms and a basis line per part (small preset, two racks)."""
    code, out, err = run_cli(capsys, "latency", "--preset", "small", "us-east-1a1/rack0", "us-east-1a1/rack1")
    assert code == 0, err
    assert "same-datacenter" in out.splitlines()[0]
    assert all(label in out for label in ("p50", "p99", "p99.9", "ms", "basis:"))
    assert sum(line.startswith("  - ") for line in out.splitlines()) == 3  # fabric, the NICs, the quantile method


def test_nic_option_sets_both_ends(capsys: pytest.CaptureFixture[str]) -> None:
    """`--nic paravirtual` is slower than the preset's SR-IOV at p99.9 for the same pair."""
    argv = ("latency", "--preset", "small", "us-east-1a", "us-east-1b", "--json")
    sriov = json.loads(run_cli(capsys, *argv)[1])
    paravirtual = json.loads(run_cli(capsys, *argv, "--nic", "paravirtual")[1])
    assert sriov["rtt_ms"]["p999"] < paravirtual["rtt_ms"]["p999"]
    assert any("paravirtual NIC" in line for line in paravirtual["basis"])


def test_matrix_text_fits_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """`--matrix` prints a title, a header of 11 short labels, 11 rows of 11 numbers, under 80 columns."""
    code, out, err = run_cli(capsys, "latency", "--preset", "aws-2014", "--matrix")
    assert code == 0, err
    lines = out.splitlines()
    header, rows = lines[1].split(), lines[2 : 2 + AWS_2014_REGIONS]
    assert header[0] == "use1" and len(header) == AWS_2014_REGIONS
    for row in rows:
        cells = row.split()
        assert len(cells) == AWS_2014_REGIONS + 1 and all(float(c) > 0 for c in cells[1:])
    assert max(len(line) for line in lines[1 : 2 + AWS_2014_REGIONS]) <= 80


def test_matrix_json_is_symmetric_with_zones_on_the_diagonal(capsys: pytest.CaptureFixture[str]) -> None:
    """`--matrix --json`: regions, p50_ms and p99_ms, 11 × 11, symmetric; the diagonal (two zones) under 2 ms."""
    code, out, err = run_cli(capsys, "latency", "--matrix", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert list(got) == ["regions", "p50_ms", "p99_ms"] and got["regions"][0] == "us-east-1"
    p50, p99 = got["p50_ms"], got["p99_ms"]
    n = len(got["regions"])
    assert n == AWS_2014_REGIONS and all(len(row) == n for row in p50 + p99)
    for i in range(n):
        assert p50[i][i] < 2.0
        for j in range(n):
            assert p50[i][j] == pytest.approx(p50[j][i]) and p50[i][j] <= p99[i][j]
            assert i == j or p50[i][j] > 2.0


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("us-east-9", "us-east-1b"), "did you mean 'us-east-1'"),
        (("us-east-1a1/rack99", "us-east-1b"), "rack0..rack3"),
        (("us-east-1a",), "give FROM and TO"),
        (("us-east-1a", "us-east-1b", "--nic", "fast"), "--nic must be one of"),
        (("us-east-1a1/servers[0:2]", "us-east-1b"), "one server"),
        (("--matrix", "a.yaml", "b"), "at most a scenario file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], says: str) -> None:
    """An unknown place, a rack past the end, a missing place, a bad --nic, a range, or places with --matrix:
    exit code 2, nothing on stdout, one line on stderr that says what is wrong."""
    code, out, err = run_cli(capsys, "latency", "--preset", "small", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err, err
