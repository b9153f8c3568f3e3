"""Money over time: a capital cost turned into a monthly charge, and the month the bills are for.

Hamilton's model (docs/economics.md) puts every cost on one footing, a monthly charge: a purchase is repaid in
equal monthly payments over its amortisation period at the cost of money, as a loan is (the annuity formula,
Excel's PMT, which his spreadsheet uses); power is billed as used.
"""

from __future__ import annotations

from cloudtwin.errors import ScenarioError
from cloudtwin.units import DAYS_PER_YEAR, SECONDS_PER_HOUR

MONTHS_PER_YEAR = 12
#: An average month: a Julian year (365.25 days) / 12 = 730.5 hours, the month every bill here is for.
HOURS_PER_MONTH = DAYS_PER_YEAR * 24.0 / MONTHS_PER_YEAR
SECONDS_PER_MONTH = HOURS_PER_MONTH * SECONDS_PER_HOUR


def monthly_payment_usd(principal_usd: float, years: float, rate_per_year: float) -> float:
    """The level monthly payment that repays `principal_usd` over `years` at `rate_per_year` (compounded monthly):
    P·i / (1 − (1 + i)^−n) with i = rate / 12 and n = 12·years; P / n when money costs nothing.

    E.g. $1,450 over 3 years at 5 %: i = 0.0041667, n = 36, (1 + i)^−36 = 0.86103, payment = $43.46 a month.
    """
    if years <= 0:
        raise ScenarioError(f"economics: an amortisation period must be positive (got {years!r} years)")
    months = years * MONTHS_PER_YEAR
    i = rate_per_year / MONTHS_PER_YEAR
    if i == 0:
        return principal_usd / months
    return principal_usd * i / (1.0 - (1.0 + i) ** -months)
