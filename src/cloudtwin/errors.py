"""Errors cloudtwin raises on purpose: one base class, one subclass per stage.

The command line turns any `CloudtwinError` into one red line per problem and its
`exit_code`: 2 for bad input (a scenario, an argument, a file the user named),
1 for a failing environment (`MachineError`: disk full, a lock held, a folder
that cannot be written). Anything else is a bug (exit code 1, "internal error").
A run stopped by a signal raises `Interrupted` (a BaseException, like Ctrl-C).
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

    #: The command line's exit code for this error: 2, bad input.
    exit_code = 2


class MachineError(CloudtwinError):
    """The machine cannot do what was asked (disk full, a lock held, no permission): exit code 1, not bad input."""

    exit_code = 1


class Interrupted(BaseException):  # noqa: N818 (a signal, like KeyboardInterrupt, not an error)
    """A signal (SIGTERM, SIGHUP) stopped the process; `signal_number` says which. A run in progress is marked
    'interrupted' on the way out, as for Ctrl-C."""

    #: The first signal this process received, kept even when a library swallowed the exception it raised
    #: (DuckDB turns an exception raised during a query into its own "Query interrupted" error).
    received: Interrupted | None = None

    def __init__(self, signal_number: int, name: str) -> None:
        self.signal_number = signal_number
        super().__init__(name)


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


class ResultsUnavailable(ResultsError, MachineError):
    """The results database is fine but the machine refuses it now: locked by another process, disk full."""


class AnalysisError(CloudtwinError, ValueError):
    """A closed-form model (Erlang-B, k-of-n availability, ...) was asked about impossible inputs."""


class NetworkError(CloudtwinError, ValueError):
    """A network computation was given impossible inputs (negative capacity, mismatched shapes, no route)."""


class PlanError(CloudtwinError):
    """A capacity plan cannot be made as asked (no years, a workload the fluid model cannot grow)."""
