"""Student-t quantiles and confidence intervals against printed tables."""

from __future__ import annotations

import numpy as np
import pytest

from cloudtwin.analysis.stats import mean_ci, student_t_cdf, student_t_quantile


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        # Abramowitz & Stegun Table 26.10 / any t table (two-sided 99 %, 95 %).
        (0.995, 1, 63.656741),
        (0.995, 9, 3.249836),
        (0.995, 99, 2.626405),
        (0.975, 30, 2.042272),
        (0.975, 2, 4.302653),
    ],
)
def test_t_quantile_matches_tables(p: float, df: int, expected: float) -> None:
    """The t quantile equals the tabulated value to 6 decimals."""
    assert student_t_quantile(p, df) == pytest.approx(expected, abs=2e-6)


def test_t_with_one_degree_is_cauchy() -> None:
    """t with 1 degree of freedom is the Cauchy distribution: CDF ½ + atan(t)/π."""
    for t in (-3.0, -0.5, 0.0, 0.7, 10.0):
        assert student_t_cdf(t, 1) == pytest.approx(0.5 + np.arctan(t) / np.pi, abs=1e-13)


def test_mean_ci_half_width() -> None:
    """CI = mean ± t(0.995, n−1) · s / √n: for 1..10, 5.5 ± 3.249836 · 3.02765 / √10."""
    mean, lo, hi = mean_ci(np.arange(1.0, 11.0), 0.99)
    half = 3.249836 * np.std(np.arange(1.0, 11.0), ddof=1) / np.sqrt(10)
    assert mean == 5.5
    assert (lo, hi) == pytest.approx((5.5 - half, 5.5 + half), abs=1e-5)
