"""What the planner reads and answers: the endpoint as it runs, variant changes, the plan.

Pure data and diffs, no AWS (part of :mod:`sagemaker_rollout.planner`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.current import BUSY_STATUSES, CurrentEndpoint
from sagemaker_rollout.sagemaker import INSTANCE_COUNT_DIMENSION
from sagemaker_rollout.spec import RolloutEstimate
from sagemaker_rollout.spec.deadline import Brake

__all__ = [
    "BUSY_STATUSES",
    "SCALABLE_DIMENSION",
    "CurrentEndpoint",
    "Plan",
    "VariantChange",
    "blocked_by_autoscaling",
    "diff_variants",
]

SCALABLE_DIMENSION = INSTANCE_COUNT_DIMENSION

# Fields whose change SageMaker refuses while the variant is registered with autoscaling.
_SCALING_BLOCKERS = ("InstanceType",)
_COMPARED = (
    "ModelName",
    "InstanceType",
    "InitialInstanceCount",
    "InitialVariantWeight",
    "ServerlessConfig",
    "VolumeSizeInGB",
    "ModelDataDownloadTimeoutInSeconds",
    "ContainerStartupHealthCheckTimeoutInSeconds",
    "ManagedInstanceScaling",
    "RoutingConfig",
    "InferenceAmiVersion",
    "AcceleratorType",
)


@dataclass(frozen=True)
class VariantChange:
    """How one production variant changes: ``added``, ``removed``, ``changed`` or ``unchanged``."""

    name: str
    kind: str
    fields: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def describe(self) -> str:
        if self.kind != "changed":
            return f"{self.name}: {self.kind}"
        diffs = ", ".join(f"{key} {old!r} -> {new!r}" for key, (old, new) in sorted(self.fields.items()))
        return f"{self.name}: {diffs}"


@dataclass(frozen=True)
class Plan:
    """What the provider will do.

    Attributes
    ----------
    action:
        ``create`` (new endpoint), ``rollout`` (new config, UpdateEndpoint), ``retag`` (tags
        only), ``none`` (nothing to change) or ``wait`` (endpoint busy: wait, then plan again).
    endpoint_name, config_name, previous_config_name:
        Names involved.
    variant_changes:
        Per-variant differences between the running config and the desired one.
    suspend_autoscaling:
        Variants whose scalable targets must be deregistered around the rollout.
    estimate:
        Strategy, steps and worst-case duration.
    tags_to_add, tag_keys_to_remove:
        Tag changes on the endpoint.
    warnings:
        Things the user should know (capacity retained, exclusions, guardrails not applied).
    refusal:
        None, or one line naming the property and what is allowed: the provider must fail the
        request before touching anything. ``action`` keeps the value computed without the
        refusal (so ``plan`` still shows the diff); check ``refusal`` (or :attr:`refused`) first.
    update_arguments:
        The UpdateEndpoint arguments besides ``EndpointName`` and ``EndpointConfigName``
        (``RetainAllVariantProperties``, ``ExcludeRetainedVariantProperties``,
        ``DeploymentConfig``, ``RetainDeploymentConfig``); without ``DeploymentConfig`` and
        ``RetainDeploymentConfig`` when ``unguarded``. Empty unless a rollout follows.
    unguarded:
        This update rolls out without its ``DeploymentConfig`` (``AllowUnguardedRollout`` and a
        change of the variant set, which deployment guardrails cannot do).
    irreversible:
        Human-readable changes SageMaker accepts but cannot roll back (serverless to
        instance-based); only planned with ``AllowIrreversibleChanges: true``.
    retained:
        The retain rule's values (:func:`~sagemaker_rollout.planner.update.retained_values`):
        ``{variant: {"InitialInstanceCount": n, "InitialVariantWeight": w}}`` written into the new
        config for autoscaled variants; ``config_name`` is that config's (its content changed).
    brake:
        A rollout's deadline figures (:mod:`sagemaker_rollout.spec.deadline`): expected and worst
        timeline, whether a brake can stop it, its abort margin. None unless a rollout follows.
    """

    action: str
    endpoint_name: str
    config_name: str
    previous_config_name: str | None
    estimate: RolloutEstimate
    service_timeout: int
    variant_changes: tuple[VariantChange, ...] = ()
    suspend_autoscaling: tuple[str, ...] = ()
    tags_to_add: tuple[Mapping[str, str], ...] = ()
    tag_keys_to_remove: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    refusal: str | None = None
    update_arguments: Mapping[str, Any] = field(default_factory=dict)
    unguarded: bool = False
    irreversible: tuple[str, ...] = ()
    retained: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    brake: Brake | None = None

    @property
    def abort_after(self) -> float | None:
        """Seconds into the request after which a braked rollout is aborted when it is in a bake
        (the time limit less the alarm's evaluation and the rollback's worst case); None: no brake."""
        if self.brake is None or not self.brake.braked:
            return None
        return self.service_timeout - self.brake.margin

    @property
    def needs_rollout(self) -> bool:
        return self.action in ("create", "rollout")

    @property
    def refused(self) -> bool:
        """Whether the provider must fail the request before any change (see ``refusal``)."""
        return self.refusal is not None

    def summary(self) -> str:
        """One line, for logs and the CLI."""
        if self.refusal is not None:
            return f"{self.endpoint_name}: refused: {self.refusal}"
        if self.action == "none":
            return f"{self.endpoint_name}: no rollout needed, endpoint already runs {self.config_name}"
        if self.action == "retag":
            return f"{self.endpoint_name}: no rollout needed, tags only"
        if self.action == "wait":
            return f"{self.endpoint_name}: endpoint busy, waiting before planning"
        if self.action == "create":
            return f"{self.endpoint_name}: create with {self.config_name}"
        suspended = (
            f", suspend autoscaling on {', '.join(self.suspend_autoscaling)}"
            if self.suspend_autoscaling
            else ""
        )
        unguarded = ", WITHOUT its DeploymentConfig (AllowUnguardedRollout)" if self.unguarded else ""
        irreversible = f", irreversible: {'; '.join(self.irreversible)}" if self.irreversible else ""
        timing = f"worst case {self.estimate.worst_case_seconds} s of {self.service_timeout} s"
        if self.brake is not None and self.abort_after is not None:
            timing = (
                f"expected {self.brake.expected_seconds:.0f} s, worst case "
                f"{self.estimate.worst_case_seconds} s of {self.service_timeout} s, "
                f"aborted if unfinished by {self.abort_after:.0f} s"
            )
        return (
            f"{self.endpoint_name}: roll out {self.config_name} ({self.estimate.strategy}, {timing})"
            f"{unguarded}{suspended}{irreversible}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``plan --json``)."""
        return {
            "action": self.action,
            "endpointName": self.endpoint_name,
            "endpointConfigName": self.config_name,
            "previousEndpointConfigName": self.previous_config_name,
            "rolloutNeeded": self.needs_rollout,
            "strategy": self.estimate.strategy,
            "steps": list(self.estimate.steps),
            "worstCaseSeconds": self.estimate.worst_case_seconds,
            "worstCaseParts": [[label, seconds] for label, seconds in self.estimate.parts],
            "timeLimitSeconds": self.service_timeout,
            "expectedSeconds": None if self.brake is None else self.brake.expected_seconds,
            "expectedParts": []
            if self.brake is None
            else [
                [p.name, p.expected.seconds, p.expected.basis.value, p.expected.source]
                for p in self.brake.timeline.parts
            ],
            "brake": None if self.brake is None else (self.brake.blocker or "provider alarm"),
            "abortAfterSeconds": self.abort_after,
            "rollbackAlarms": list(self.estimate.alarms),
            "variants": [
                {"name": c.name, "change": c.kind, "fields": {k: [o, n] for k, (o, n) in c.fields.items()}}
                for c in self.variant_changes
            ],
            "suspendAutoscaling": list(self.suspend_autoscaling),
            "tagsToAdd": [dict(t) for t in self.tags_to_add],
            "tagKeysToRemove": list(self.tag_keys_to_remove),
            "warnings": list(self.warnings),
            "refusal": self.refusal,
            "unguarded": self.unguarded,
            "irreversible": list(self.irreversible),
            "updateArguments": dict(self.update_arguments),
            "retained": {name: dict(values) for name, values in self.retained.items()},
        }


def _by_name(variants: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(v.get("VariantName")): v for v in variants}


def diff_variants(
    current: Sequence[Mapping[str, Any]], desired: Sequence[Mapping[str, Any]]
) -> tuple[VariantChange, ...]:
    """Per-variant differences, in desired order then removed ones."""
    old, new = _by_name(current), _by_name(desired)
    changes = []
    for name, variant in new.items():
        if name not in old:
            changes.append(VariantChange(name, "added"))
            continue
        before = old[name]
        fields = {
            key: (before.get(key), variant.get(key))
            for key in _COMPARED
            if _norm(before.get(key)) != _norm(variant.get(key))
        }
        changes.append(VariantChange(name, "changed" if fields else "unchanged", fields))
    changes += [VariantChange(name, "removed") for name in old if name not in new]
    return tuple(changes)


def _norm(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def blocked_by_autoscaling(changes: Iterable[VariantChange], autoscaled: Iterable[str]) -> tuple[str, ...]:
    """Variants whose scalable targets SageMaker requires deregistered for this change."""
    registered = set(autoscaled)
    return tuple(
        change.name
        for change in changes
        if change.name in registered
        and (change.kind == "removed" or any(key in change.fields for key in _SCALING_BLOCKERS))
    )
