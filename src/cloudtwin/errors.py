"""Errors cloudtwin raises on purpose: one base class, one subclass per stage.

The command line turns any `CloudtwinError` into one red line per problem and
exit code 2; anything else is a bug (exit code 1).
"""

from __future__ import annotations


class CloudtwinError(Exception):
    """Base of every error cloudtwin reports to a user as bad input.

    `problems` holds one line per problem (already formatted as
    `FILE:LINE: key.path: message (got VALUE)`); `str()` joins them.
    """

    def __init__(self, message: str | None = None, problems: list[str] | None = None) -> None:
        self.problems: list[str] = list(problems) if problems else [message or "error"]
        super().__init__("\n".join(self.problems))


class ScenarioError(CloudtwinError):
    """A scenario file, preset or `--set` override is malformed or inconsistent."""


class WorldError(CloudtwinError):
    """The world cannot be built (for instance it would not fit in memory)."""


class WorkloadError(CloudtwinError):
    """A workload cannot be sampled or a trace cannot be read."""


class PlacementError(CloudtwinError):
    """A placement request is malformed (unknown policy, bad explicit arrival)."""


class EngineError(CloudtwinError):
    """The engine was driven with inconsistent inputs."""


class FailureModelError(CloudtwinError):
    """A failure or service definition cannot be simulated as given."""


class ResultsError(CloudtwinError):
    """The results database cannot be opened, written or queried."""


class AnalysisError(CloudtwinError, ValueError):
    """A closed-form model (Erlang-B, k-of-n availability, ...) was asked about impossible inputs."""
