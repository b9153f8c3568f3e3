"""Time and size units: the one place their conversion factors are defined.

Quantities inside cloudtwin are SI seconds, MiB of memory and whole vCPUs; keys and
columns carry their unit in their name (`repair_hours`, `memory_gib`, `time_s`).
A year is the Julian year of 365.25 days (the convention of availability figures:
"minutes of downtime a year").
"""

from __future__ import annotations

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3_600.0
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY
MINUTES_PER_YEAR = DAYS_PER_YEAR * 24.0 * 60.0
MIB_PER_GIB = 1024
GIB_PER_TIB = 1024
GBPS_PER_TBPS = 1_000.0  # network rates are decimal: 1 Tbps = 10^3 Gbps
BITS_PER_BYTE = 8.0
