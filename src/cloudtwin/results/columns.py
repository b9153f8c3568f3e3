"""Checking what callers hand to the results store and turning it into arrow tables for a bulk insert.

Nothing here touches the database; it only validates shapes and types and builds columnar
data (no Python object per row), so the checks can name the offending column and value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from cloudtwin.errors import ResultsError
from cloudtwin.results.schema import ARROW_TYPES


def arrow_column(name: str, values: object, sql_type: str) -> pa.Array:
    """`values` (1-D numpy array or list) as an arrow array of the column's type, or ResultsError."""
    arrow_type = ARROW_TYPES[sql_type.split()[0]]
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ResultsError(f"column `{name}` must be one-dimensional (got shape {values.shape})")
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
        raise ResultsError(f"column `{name}` cannot be stored as {sql_type}: {error}") from None


def string_dictionary(name: str, labels: Sequence[str], codes: np.ndarray) -> pa.DictionaryArray:
    """Row labels as dictionary codes into `labels`: one string per entity, not one per row."""
    if any(not isinstance(label, str) for label in labels):
        raise ResultsError(f"`{name}` must hold strings (got {list(labels)!r:.200})")
    unique, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return pa.DictionaryArray.from_arrays(
        pa.array(inverse.astype(np.int32)[codes]), pa.array(unique.tolist(), type=pa.string())
    )


def row_table(table: str, columns: Mapping[str, object], expected: Mapping[str, str]) -> pa.Table:
    """Columns for `table` (exactly the `expected` names, equal lengths) as one arrow table."""
    missing = sorted(set(expected) - set(columns))
    unknown = sorted(set(columns) - set(expected))
    if missing or unknown:
        raise ResultsError(
            f"`{table}` rows need exactly the columns {', '.join(expected)}"
            f" (missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
        )
    arrays = {name: arrow_column(f"{table}.{name}", columns[name], sql_type) for name, sql_type in expected.items()}
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ResultsError(f"`{table}` columns differ in length: {lengths}")
    return pa.table(arrays)


def check_metric_shapes(
    names: Sequence[str],
    zones: Sequence[str],
    regions: Sequence[str],
    time_s: np.ndarray,
    columns: Mapping[str, np.ndarray],
    expected: Mapping[str, str],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Sample times as float64 (n_ticks,) and each value column as (n_ticks, n_entities), or ResultsError."""
    n_entities = len(names)
    if len(zones) != n_entities or len(regions) != n_entities:
        raise ResultsError(
            f"`names`, `zones` and `regions` must have one entry per entity "
            f"(got {n_entities}, {len(zones)}, {len(regions)})"
        )
    times = np.asarray(time_s, dtype=np.float64)
    if times.ndim != 1 or not np.all(np.isfinite(times)):
        raise ResultsError(f"`time_s` must be a 1-D array of finite seconds (got shape {times.shape})")
    missing = sorted(set(expected) - set(columns))
    unknown = sorted(set(columns) - set(expected))
    if missing or unknown:
        raise ResultsError(
            f"metrics need exactly the columns {', '.join(expected)}"
            f" (missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
        )
    shaped: dict[str, np.ndarray] = {}
    for name in expected:
        values = np.asarray(columns[name])
        if values.shape != (times.size, n_entities):
            raise ResultsError(
                f"metrics column `{name}` must have shape (n_ticks, n_entities) = "
                f"({times.size}, {n_entities}) (got {values.shape})"
            )
        shaped[name] = np.ascontiguousarray(values)
    return times, shaped
