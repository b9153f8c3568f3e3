"""The shipped Azure V1 lifetime table: its counts, its Kaplan–Meier estimate and the published figures.

Published figures (shared/data/azure-vm-2017-rnn-slices/README.md, dev window, rounded): lifetime
≤ 10 min 23 %, < 1 h ≥ 68 %, < 6 h ≥ 83 %, < 1 day ≥ 93 %, < 1 week ≥ 94.5 %; censored 5.5 %.
"""

from __future__ import annotations

import math
from collections import Counter
from importlib import resources

import numpy as np
import pytest
from workload_scenarios import AZURE_SLICES, require

from cloudtwin.scenario.model import EmpiricalLifetime
from cloudtwin.workload.derive_azure_lifetimes import derive
from cloudtwin.workload.lifetimes import mean_lifetime_s, sample_lifetimes

EMPIRICAL = EmpiricalLifetime(distribution="empirical")
CENSOR_S = 2_100_000


def _table() -> dict[str, np.ndarray]:
    text = (resources.files("cloudtwin.workload") / "data" / "azure_v1_lifetimes.csv").read_text()
    rows = [r.split(",") for r in text.splitlines() if r and not r.startswith("#")]
    return {name: np.array([float(r[i]) for r in rows[1:]]) for i, name in enumerate(rows[0])}


def _raw_counts() -> tuple[Counter, Counter, dict[int, list[int]]]:
    """Completed and censored VMs per bin, and censored ages per bin, read from the raw duration file."""
    completed, censored, ages = Counter(), Counter(), {}
    for line in (require(AZURE_SLICES) / "v1.dev.c2100000.txt").read_text().splitlines():
        t, tokens = line.split(" ")
        for tok in tokens.split(","):
            if tok.startswith("U"):
                completed[int(tok[1:])] += 1
            elif tok.startswith("C"):
                censored[int(tok[1:])] += 1
                ages.setdefault(int(tok[1:]), []).append(CENSOR_S - int(t))
    return completed, censored, ages


@pytest.mark.parametrize(
    ("last_bin", "published", "exact"),
    [(2, 0.23, True), (12, 0.68, False), (17, 0.83, False), (35, 0.93, False), (42, 0.945, False)],
)
def test_completed_fractions_meet_published_figures(last_bin: int, published: float, exact: bool) -> None:
    """Completed VMs with bin ≤ k over all VMs (censored counted as long) meet the README's figure for
    k = 2 (≤ 10 min), 12 (≤ 1 h), 17 (≤ 6 h), 35 (≤ 1 day), 42 (≤ 1 week), to its rounding."""
    table = _table()
    n = table["completed_vms"].sum() + table["censored_vms"].sum()
    fraction = table["completed_vms"][: last_bin + 1].sum() / n
    rounding = 0.005 if published < 0.9 else 0.0005
    assert (abs(fraction - published) < rounding) if exact else (fraction > published - rounding)
    assert abs(table["censored_vms"].sum() / n - 0.055) < 0.0005


def test_table_counts_match_the_raw_trace() -> None:
    """Per-bin completed/censored counts and censored exposure (share of the bin's 5-min values below the
    VM's age, age = 2,100,000 s − line time) recomputed from the raw files equal the table's columns."""
    completed, censored, ages = _raw_counts()
    interval = np.loadtxt(AZURE_SLICES / "v1.interval_map.txt", dtype=np.int64)
    table = _table()
    assert sum(completed.values()) + sum(censored.values()) == 259_159  # README: VMs in the dev window
    for k in range(len(table["bin"])):
        values = interval[interval[:, 1] == k, 0]
        assert table["lo_s"][k] == max(values.min() - 150, 0) and table["hi_s"][k] == values.max() + 150
        assert table["completed_vms"][k] == completed[k] and table["censored_vms"][k] == censored[k]
        exposure = sum(np.sum(values < a) / len(values) for a in ages.get(k, []))
        assert abs(table["censored_exposure"][k] - exposure) < 1e-3


def test_probabilities_are_the_life_table_estimate() -> None:
    """Hazard h_k = completed_k / (completed ≥ k + censored > k + exposure_k); p_k = S_{k−1}·h_k up to the last bin
    with VMs at risk; the survival left after it sits in the last bin (10–20 d). Bounds: F(t) lies between the
    completed fraction and the completed-or-censored fraction by t."""
    t = _table()
    d, c, e = t["completed_vms"], t["censored_vms"], t["censored_exposure"]
    survival, expected = 1.0, np.zeros(len(d))
    for k in range(len(d)):
        at_risk = d[k:].sum() + c[k + 1 :].sum() + e[k]
        if at_risk == 0:
            break
        expected[k] = survival * d[k] / at_risk
        survival -= expected[k]
    expected[-1] += survival
    assert np.allclose(t["probability"], expected, atol=1e-9)
    n = d.sum() + c.sum()
    cdf = np.cumsum(t["probability"])
    assert np.all(cdf >= np.cumsum(d) / n - 1e-9) and np.all(cdf <= np.cumsum(d + c) / n + 1e-9)


def test_empirical_sampling_mean_and_bins() -> None:
    """Sampling picks a bin by probability then uniform within it: mean Σ p_k (lo_k + hi_k)/2 (computed here),
    bin frequencies p_k, all lifetimes inside [0 s, 20 d + 150 s)."""
    t = _table()
    mean_s = float(np.sum(t["probability"] * (t["lo_s"] + t["hi_s"]) / 2))
    second = float(np.sum(t["probability"] * (t["lo_s"] ** 2 + t["lo_s"] * t["hi_s"] + t["hi_s"] ** 2) / 3))
    assert math.isclose(mean_lifetime_s(EMPIRICAL), mean_s, rel_tol=1e-12)
    n = 1_000_000
    sample = sample_lifetimes(EMPIRICAL, n, np.random.default_rng(9))
    assert abs(sample.mean() - mean_s) < 5 * math.sqrt((second - mean_s**2) / n)
    assert sample.min() >= 0 and sample.max() < 20 * 86400 + 150
    edges = np.concatenate([t["lo_s"][:1], t["hi_s"]])
    freq = np.histogram(sample, bins=edges)[0] / n
    assert np.all(np.abs(freq - t["probability"]) < 5 * np.sqrt(t["probability"] * (1 - t["probability"]) / n) + 1e-12)


def test_derivation_script_reproduces_the_shipped_table() -> None:
    """Re-running the derivation on the shared slices gives the shipped CSV byte for byte."""
    shipped = (resources.files("cloudtwin.workload") / "data" / "azure_v1_lifetimes.csv").read_text()
    assert derive(require(AZURE_SLICES)) == shipped
