"""Errors of the SageMakerRollout macro."""

from __future__ import annotations

__all__ = ["MacroError"]


class MacroError(ValueError):
    """A compact template the macro refuses, with the resource and property path at fault.

    ``str(err)`` is one line: ``Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than
    MaxCapacity 3``.

    Parameters
    ----------
    resource:
        Logical id of the compact resource (or ``Resources`` for template-wide limits).
    path:
        Property path inside the resource, e.g. ``Variants[0].AutoScaling``; empty for the
        resource itself.
    reason:
        What is wrong and what is allowed.
    """

    def __init__(self, resource: str, path: str, reason: str) -> None:
        self.resource = resource
        self.path = path
        self.reason = reason
        where = f"{resource}.{path}" if path else resource
        super().__init__(f"{where}: {reason}")
