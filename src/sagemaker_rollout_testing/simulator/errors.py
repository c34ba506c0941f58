"""Errors of the SageMaker simulator."""

from __future__ import annotations

__all__ = ["SimulatedServiceError", "SimulatorError"]


class SimulatorError(Exception):
    """The simulator was used wrongly (activated twice, fault on an unknown endpoint, ...)."""


class SimulatedServiceError(Exception):
    """A service error the simulated SageMaker answers with (becomes a botocore ``ClientError``).

    Parameters
    ----------
    code:
        AWS error code, e.g. ``ValidationException``.
    message:
        The one-line message SageMaker sends.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def validation_error(message: str) -> SimulatedServiceError:
    """Return a ``ValidationException`` with ``message``."""
    return SimulatedServiceError("ValidationException", message)
