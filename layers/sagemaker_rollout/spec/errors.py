"""Errors raised while reading a resource's properties."""

from __future__ import annotations

__all__ = ["PropertyError"]


class PropertyError(ValueError):
    """A property is missing, unknown, of the wrong type, out of range, or refused by SageMaker.

    ``str(error)`` is one line: ``<path>: <reason>``, e.g.
    ``ProductionVariants[0].InitialInstanceCount: "two" is not a whole number``.

    Parameters
    ----------
    path:
        Dotted property path (``DeploymentConfig.BlueGreenUpdatePolicy``); empty for the
        whole resource.
    reason:
        What is wrong and what is allowed.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def prefixed(self, prefix: str) -> PropertyError:
        """Return the same error with ``prefix`` put before its path (``Endpoint.`` + path)."""
        return PropertyError(f"{prefix}.{self.path}" if self.path else prefix, self.reason)
