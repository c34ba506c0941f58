"""Constructors shared by the compact schema's modules."""

from __future__ import annotations

from typing import Any, Final

from sagemaker_rollout.macro.props import Prop
from sagemaker_rollout.sagemaker import MAX_NAME_LENGTH, NAME_PATTERN

__all__ = ["ALARM_STATISTICS", "PROVIDERS", "STRATEGIES", "int_prop", "json_prop", "name_prop", "string_prop"]

PROVIDERS: Final = ("CustomResource", "RegistryType")
STRATEGIES: Final = ("AllAtOnce", "Canary", "Linear", "Rolling")
ALARM_STATISTICS: Final = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_NAME_RULE = "(1-63 letters, digits and hyphens, starting and ending with a letter or digit)"


def name_prop(description: str, what: str, **extra: Any) -> Prop:
    return Prop(
        "string",
        description,
        pattern=NAME_PATTERN,
        max_length=MAX_NAME_LENGTH,
        pattern_error=f"{{value}} is not a valid {what} {_NAME_RULE}",
        **extra,
    )


def string_prop(description: str, **extra: Any) -> Prop:
    return Prop("string", description, **extra)


def json_prop(description: str) -> Prop:
    return Prop("json", description, json={"type": "object"})


def int_prop(description: str, low: float | None = None, high: float | None = None, **extra: Any) -> Prop:
    return Prop("integer", description, minimum=low, maximum=high, **extra)
