"""What the parts share: the variant facts, the expansion being built, conditional blocks, text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sagemaker_rollout.macro.values import Scope, is_intrinsic

__all__ = ["NO_VALUE", "Expansion", "Variant", "conditional", "text"]

NO_VALUE: Final = {"Ref": "AWS::NoValue"}


@dataclass
class Variant:
    """What later steps need to know about one variant."""

    index: int
    name: Any  # a literal string, or an intrinsic CloudFormation resolves (``!Sub ...``)
    key: str  # the part of generated logical ids: PascalCase name, or ``Variant<index>``
    path: str
    serverless: bool
    instance_count: int | None
    properties: dict[str, Any]
    autoscaling: Mapping[str, Any] | None
    alarms: Mapping[str, Any] | None
    autoscaling_condition: str | None = None
    alarms_condition: str | None = None


@dataclass
class Expansion:
    """The resources generated so far, in order, and the names of the rollback alarms."""

    scope: Scope
    condition: Any
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    rollback_alarm_ids: list[str] = field(default_factory=list)
    rollback_alarm_names: list[Any] = field(default_factory=list)
    #: Condition of each rollback alarm (None: unconditional), parallel to the two lists above.
    rollback_alarm_conditions: list[str | None] = field(default_factory=list)

    def add(
        self,
        logical_id: str,
        resource_type: str,
        properties: dict[str, Any],
        condition: str | None = None,
        **attributes: Any,
    ) -> None:
        """Add a resource (``Condition`` ``condition``, else the compact resource's own)."""
        if logical_id in self.resources:
            raise self.scope.error(
                "",
                f"generated logical id {logical_id!r} is produced twice; "
                "variant names must differ in more than punctuation or case",
            )
        resource: dict[str, Any] = {"Type": resource_type}
        if condition is not None or self.condition is not None:
            resource["Condition"] = condition if condition is not None else self.condition
        resource.update({key: value for key, value in attributes.items() if value is not None})
        resource["Properties"] = properties
        self.resources[logical_id] = resource


def conditional(scope: Scope, value: Any, path: str, owner_condition: Any) -> tuple[Any, str | None]:
    """``!If [Cond, X, !Ref AWS::NoValue]`` -> ``(X, "Cond")``; anything else -> ``(value, None)``.

    The generated resources then carry ``Condition: Cond`` (CloudFormation's ``Condition``
    attribute takes one condition name, so the other forms are refused with what to write instead).
    """
    if not (isinstance(value, Mapping) and is_intrinsic(value) and "Fn::If" in value):
        return value, None
    arguments = value["Fn::If"]
    if not (isinstance(arguments, list) and len(arguments) == 3 and isinstance(arguments[0], str)):
        raise scope.error(path, "Fn::If takes [ConditionName, value if true, value if false]")
    condition, when_true, when_false = arguments
    if when_false != NO_VALUE:
        hint = (
            "swap the branches and negate the condition (define a !Not condition)"
            if when_true == NO_VALUE
            else "write !If [Condition, {...}, !Ref AWS::NoValue]"
        )
        raise scope.error(
            path,
            f"Fn::If must turn the whole block on or off: the false branch must be !Ref AWS::NoValue; {hint}",
        )
    if owner_condition is not None:
        raise scope.error(
            path,
            f"Fn::If on condition {condition} inside a resource with Condition {owner_condition}: a "
            "generated resource takes a single condition; define one with Fn::And of both and use it here",
        )
    return when_true, condition


def text(*parts: Any) -> Any:
    """Concatenate strings and intrinsics: a string if every part is one, else ``Fn::Join``."""
    merged: list[Any] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"Fn::Join": ["", merged]}
