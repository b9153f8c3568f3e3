"""Derive the shipped Azure V1 VM lifetime table from the trace slices (reproducible; run as a module).

    python -m cloudtwin.workload.derive_azure_lifetimes [DATA_DIR] [--out CSV]

Input: `v1.dev.c2100000.txt` and `v1.interval_map.txt` from
shared/data/azure-vm-2017-rnn-slices (Azure Public Dataset V1, Cortez et al.
SOSP'17, re-encoded by Bergsma et al. SOSP'21; CC-BY-4.0). Each VM's duration
is a bin: `U<k>` completed with recorded duration in bin k; `C<k>` still running
at the censoring time c (2,100,000 s) with age a = c − t_line in bin k.

Estimator: Kaplan–Meier on the bin grid (a life table). The hazard of bin k is
h_k = completed_k / at_risk_k, at_risk_k = completed in bins ≥ k + censored in
bins > k + Σ w over VMs censored in bin k, where w is the share of bin k's
recorded values below the VM's age (its exposure: it would have been recorded
`U<k>` had it ended before age a, and `C<k>` had it ended at a or later, as the
data show: the last line holds `U0` and `C1`, never `U1`). Survival after bin k
is Π (1 − h_j). The window is only 300,000 s (3.5 d) long, so no bin beyond the
one holding age 3.5 d has any VM at risk; the survival left after the last bin
with VMs at risk (about 2 %) is put in the interval map's last bin, (10 d, 20 d]:
an estimate — those VMs outlive every age the window can see, and lifetimes are
capped at 20 d (the map's end), which shortens VMs that run for months.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from cloudtwin.workload.azure_v1 import (
    BATCH_END,
    DurationBins,
    censoring_time_s,
    parse_duration_token,
    read_interval_map,
    read_token_lines,
)

DEFAULT_OUT = Path(__file__).with_name("data") / "azure_v1_lifetimes.csv"
DURATION_FILE = "v1.dev.c2100000.txt"
INTERVAL_MAP = "v1.interval_map.txt"

HEADER = """\
# Azure V1 (2017) VM lifetime distribution, derived by cloudtwin.workload.derive_azure_lifetimes
# Source: Azure Public Dataset V1 vmtable (Cortez et al., "Resource Central", SOSP 2017), as re-encoded by
#   Bergsma et al., "Generating Complex, Realistic Cloud Workloads using RNNs", SOSP 2021
#   (github.com/huaweicloud/trace_generation_rnn, resources/traces/v1.dev.c2100000.txt and
#   resources/maps/v1.interval_map.txt, commit 8ef3c110c112ff4c11f83a39f658373b37b43124).
# Licence: CC-BY-4.0 (https://github.com/Azure/AzurePublicDataset/blob/master/LICENSE); see ATTRIBUTION.md.
# Kaplan-Meier on the bin grid over {n_vms} VMs ({n_censored} censored at {censor_s} s).
# lo_s/hi_s: lifetime interval of the bin (recorded 5-min durations widened by 150 s each side).
# Sampling: pick a bin by probability, then uniform in [lo_s, hi_s).
# Bins {first_empty}..{last_empty} have no VM at risk in the 3.5-day window; the survival left after bin
# {last_informative} ({tail:.6f}) is put in the last bin (estimate: lifetimes capped at 20 d).
"""


def count_bins(duration_path: Path, bins: DurationBins) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin: completed VMs, censored VMs, and the censored VMs' summed exposure within their bin."""
    n = len(bins)
    completed = np.zeros(n, dtype=np.int64)
    censored = np.zeros(n, dtype=np.int64)
    exposure = np.zeros(n, dtype=np.float64)
    censor_s = censoring_time_s(duration_path)
    values_per_bin = (bins.value_max_s - bins.value_min_s) / bins.step_s + 1
    for line in read_token_lines(duration_path):
        for token in line.tokens:
            if token == BATCH_END:
                continue
            is_censored, k = parse_duration_token(token, duration_path, line.lineno, n)
            if not is_censored:
                completed[k] += 1
                continue
            age_s = censor_s - line.time_s
            if k >= n or not bins.value_min_s[k] <= age_s <= bins.value_max_s[k]:
                raise ValueError(f"{duration_path}:{line.lineno}: age {age_s} s does not fall in bin {k}")
            censored[k] += 1
            exposure[k] += (age_s - bins.value_min_s[k]) / bins.step_s / values_per_bin[k]
    return completed, censored, exposure


def kaplan_meier(completed: np.ndarray, censored: np.ndarray, exposure: np.ndarray) -> tuple[np.ndarray, int]:
    """Probability per bin (sums to 1) and the last bin with VMs at risk; leftover survival goes to the last bin."""
    later_completed = np.cumsum(completed[::-1])[::-1]  # completed in bins >= k
    later_censored = np.concatenate([np.cumsum(censored[::-1])[::-1][1:], [0]])  # censored in bins > k
    at_risk = later_completed + later_censored + exposure
    informative = np.flatnonzero(at_risk > 0)
    last = int(informative[-1])
    hazard = np.divide(completed, at_risk, out=np.zeros(len(completed)), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard)
    probability = -np.diff(np.concatenate([[1.0], survival]))
    probability[last + 1 :] = 0.0
    probability[-1] += survival[last] if last < len(completed) - 1 else survival[-1]
    return probability, last


def derive(data_dir: Path) -> str:
    """The CSV text of the lifetime table derived from the slices in `data_dir`."""
    bins = read_interval_map(data_dir / INTERVAL_MAP)
    duration_path = data_dir / DURATION_FILE
    completed, censored, exposure = count_bins(duration_path, bins)
    probability, last = kaplan_meier(completed, censored, exposure)
    survival_after = np.clip(1.0 - np.cumsum(probability), 0.0, 1.0)
    survival_after[-1] = 0.0
    text = HEADER.format(
        n_vms=int(completed.sum() + censored.sum()),
        n_censored=int(censored.sum()),
        censor_s=censoring_time_s(duration_path),
        first_empty=last + 1,
        last_empty=len(bins) - 2,
        last_informative=last,
        tail=float(survival_after[last]),
    )
    rows = ["bin,lo_s,hi_s,completed_vms,censored_vms,censored_exposure,probability,survival_after"]
    for k in range(len(bins)):
        rows.append(
            f"{k},{bins.lo_s[k]:.0f},{bins.hi_s[k]:.0f},{completed[k]},{censored[k]},"
            f"{exposure[k]:.4f},{probability[k]:.10f},{survival_after[k]:.10f}"
        )
    return text + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> None:
    default_data = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "azure-vm-2017-rnn-slices"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=default_data)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.write_text(derive(args.data_dir), encoding="ascii")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
