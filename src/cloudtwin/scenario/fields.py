"""The scenario format's building blocks: numbers that refuse booleans, names, and the frozen base model."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _not_a_bool(value: object) -> object:
    """YAML's `true`/`false` are not numbers (pydantic's lax mode would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


Number = BeforeValidator(_not_a_bool)  # on every numeric field of the format
PositiveInt = Annotated[int, Field(gt=0), Number]
PositiveFloat = Annotated[float, Field(gt=0), Number]
NonNegFloat = Annotated[float, Field(ge=0), Number]
Fraction = Annotated[float, Field(ge=0, le=1), Number]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected, floats finite (no .inf or .nan)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, allow_inf_nan=False)
