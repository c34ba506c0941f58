"""Decide what an update does: pure, no AWS.

:func:`plan_update` turns (what runs now, what the template asks for) into a :class:`Plan`. The
provider executes plans; ``sagemaker-rollout plan`` prints them. Both use this module, so what
``plan`` shows is what the provider does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.naming import ADOPTABLE_TAG, LOGICAL_ID_TAG, MANAGED_BY_TAG, STACK_ID_TAG
from sagemaker_rollout.sagemaker import INSTANCE_COUNT_DIMENSION, scalable_resource_id
from sagemaker_rollout.spec import EndpointSpec, RolloutEstimate, estimate_create, estimate_rollout

__all__ = [
    "BUSY_STATUSES",
    "CurrentEndpoint",
    "Plan",
    "Release",
    "VariantChange",
    "Verdict",
    "adoption_refusal",
    "config_matches",
    "configs_to_drop",
    "needs_rollout",
    "plan_create",
    "plan_release",
    "plan_update",
    "scalable_resource_id",
    "settle_verdict",
    "update_was_issued",
]

BUSY_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
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
class CurrentEndpoint:
    """What runs now, as read from SageMaker and Application Auto Scaling.

    Attributes
    ----------
    name:
        Endpoint name.
    status:
        ``EndpointStatus``.
    config_name:
        Endpoint config in use.
    variants:
        ProductionVariants of that config (``DescribeEndpointConfig``); empty if the config is gone.
    live_variants:
        ``DescribeEndpoint`` variants (current counts and weights).
    tags:
        Tags on the endpoint.
    autoscaled:
        Names of variants registered as scalable targets.
    failure_reason:
        ``FailureReason`` if SageMaker reports one.
    arn, config_arn:
        ARNs of the endpoint and of its config ("" if the config is gone).
    async_inference:
        Whether the running config has an ``AsyncInferenceConfig`` (an update cannot remove it).
    """

    name: str
    status: str
    config_name: str
    variants: tuple[Mapping[str, Any], ...] = ()
    live_variants: tuple[Mapping[str, Any], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    autoscaled: frozenset[str] = frozenset()
    failure_reason: str | None = None
    arn: str = ""
    config_arn: str = ""
    async_inference: bool = False
    config: Mapping[str, Any] = field(default_factory=dict)
    """The running config as ``DescribeEndpointConfig`` returns it (empty if it is gone)."""

    @property
    def busy(self) -> bool:
        """Whether SageMaker refuses an update now (it must be waited for)."""
        return self.status in BUSY_STATUSES


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
        return (
            f"{self.endpoint_name}: roll out {self.config_name} ({self.estimate.strategy}, worst case "
            f"{self.estimate.worst_case_seconds} s of {self.service_timeout} s){unguarded}{suspended}"
            f"{irreversible}"
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


def _tag_changes(
    current: Mapping[str, str], desired: Sequence[Mapping[str, str]], previous_keys: Iterable[str]
) -> tuple[tuple[Mapping[str, str], ...], tuple[str, ...]]:
    wanted = {t["Key"]: t["Value"] for t in desired}
    to_add = tuple({"Key": k, "Value": v} for k, v in sorted(wanted.items()) if current.get(k) != v)
    # Only keys the template set before are removed; tags added by others are left alone.
    to_remove = tuple(sorted(k for k in set(previous_keys) if k not in wanted and k in current))
    return to_add, to_remove


@dataclass(frozen=True)
class _Rules:
    refusal: str | None
    update_arguments: Mapping[str, Any]
    unguarded: bool
    irreversible: tuple[str, ...]
    warnings: tuple[str, ...]


def _serverless(variant: Mapping[str, Any]) -> bool:
    """A serverless variant, from DescribeEndpointConfig (or DescribeEndpoint when the config is gone)."""
    return "ServerlessConfig" in variant or "CurrentServerlessConfig" in variant


def _update_rules(current: CurrentEndpoint, desired: EndpointSpec) -> _Rules:
    """SageMaker's rules that need what runs now; the first refusal found wins.

    * Instance-based to serverless is refused by SageMaker ("You cannot convert your
      instance-based, real-time endpoint to a serverless endpoint ... you receive a
      ValidationError"; serverless to instance-based is possible "but once you make the update,
      you cannot roll it back to serverless"): SageMaker developer guide, Serverless Inference,
      Feature exclusions (serverless-endpoints.html). The way back is refused, so it is allowed
      only with ``AllowIrreversibleChanges`` (contract section 8) and listed as irreversible.
    * ``AsyncInferenceConfig`` cannot be removed by an update: UpdateEndpoint answers
      "The AsyncInferenceConfig parameter cannot be removed from this endpoint" (ValidationException
      quoted in aws/sagemaker-python-sdk#3124).
    * "When doing a blue/green or rolling deployment, your new endpoint configuration must have the
      same variant name as the old endpoint configuration" (developer guide, deployment guardrails,
      Exclusions): a change of the variant set with a ``DeploymentConfig`` (or
      ``RetainDeploymentConfig: true``) is refused unless ``AllowUnguardedRollout``; then the update
      goes without them.
    * Inf1 instances (old or new config) make SageMaker ignore the guardrails (same page): warned.
    """
    running = list(current.variants or current.live_variants)
    wanted = desired.variants
    refusals: list[str] = []
    irreversible: list[str] = []
    warnings = list(desired.warnings)
    instance_based = [str(v.get("VariantName")) for v in running if not _serverless(v)]
    was_serverless = bool(running) and not instance_based
    for index, variant in enumerate(wanted):
        name = variant.get("VariantName")
        if "ServerlessConfig" in variant and instance_based:
            refusals.append(
                f"ProductionVariants[{index}].ServerlessConfig: endpoint {current.name} runs instance-based "
                f"variant(s) {', '.join(instance_based)} and SageMaker cannot convert it to serverless; "
                "use a new EndpointName"
            )
        if "ServerlessConfig" not in variant and was_serverless:
            irreversible.append(
                f"{name}: serverless -> instance-based ({variant.get('InstanceType')}); SageMaker cannot "
                "convert it back to serverless"
            )
            if not desired.allow_irreversible_changes:
                refusals.append(
                    f"ProductionVariants[{index}].InstanceType: changing serverless endpoint {current.name} "
                    "to instance-based cannot be rolled back by SageMaker; set AllowIrreversibleChanges: "
                    "true to accept that"
                )
    if current.async_inference and "AsyncInferenceConfig" not in desired.config:
        refusals.append(
            f"AsyncInferenceConfig: endpoint {current.name} runs asynchronous inference and SageMaker "
            "refuses an update that removes AsyncInferenceConfig; keep it, or use a new EndpointName"
        )
    arguments = desired.update_arguments()
    guarded = "DeploymentConfig" in arguments or arguments.get("RetainDeploymentConfig") is True
    # From what runs (the live variants when the config is gone), not from the config diff.
    before = [str(v.get("VariantName")) for v in running]
    after = [str(v.get("VariantName")) for v in wanted]
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    unguarded = False
    if guarded and (added or removed) and running:
        what = "; ".join(
            part
            for part in (
                f"added {', '.join(added)}" if added else "",
                f"removed {', '.join(removed)}" if removed else "",
            )
            if part
        )
        if desired.allow_unguarded_rollout:
            unguarded = True
            arguments.pop("DeploymentConfig", None)
            arguments.pop("RetainDeploymentConfig", None)
            warnings.append(
                f"AllowUnguardedRollout: the variant set changes ({what}), which deployment guardrails "
                "cannot do: this update rolls out WITHOUT its DeploymentConfig (SageMaker's default "
                "blue/green, all traffic at once, no baking, no alarm rollback)"
            )
        else:
            key = "DeploymentConfig" if "DeploymentConfig" in arguments else "RetainDeploymentConfig"
            refusals.append(
                f"{key}: deployment guardrails need the same variant names in the old and new config "
                f"({what}); set AllowUnguardedRollout: true to roll this one update out without them"
            )
    if guarded and not unguarded:
        old_inf1 = [
            str(v.get("VariantName"))
            for v in running
            if str(v.get("InstanceType", "")).startswith("ml.inf1.")
        ]
        if old_inf1 and not desired.warnings:
            warnings.append(
                f"the running config uses Inf1 instances ({', '.join(old_inf1)}): SageMaker does not apply "
                "deployment guardrails to this update; it falls back to all at once with no final baking"
            )
    return _Rules(
        refusal=refusals[0] if refusals else None,
        update_arguments=arguments,
        unguarded=unguarded,
        irreversible=tuple(irreversible),
        warnings=tuple(warnings),
    )


def _blocked_by_autoscaling(changes: Iterable[VariantChange], autoscaled: Iterable[str]) -> tuple[str, ...]:
    """Variants whose scalable targets SageMaker requires deregistered for this change."""
    registered = set(autoscaled)
    return tuple(
        change.name
        for change in changes
        if change.name in registered
        and (change.kind == "removed" or any(key in change.fields for key in _SCALING_BLOCKERS))
    )


def plan_create(spec: EndpointSpec, endpoint_name: str, config_name: str) -> Plan:
    """Plan for an endpoint that does not exist yet: CreateEndpoint, no update steps.

    The estimate is :func:`~sagemaker_rollout.spec.estimate_create`'s (launch, download, health
    check); ``update_arguments`` is empty. The spec's warnings (Inf1: later updates will not be
    guarded) are kept.
    """
    return Plan(
        action="create",
        endpoint_name=endpoint_name,
        config_name=config_name,
        previous_config_name=None,
        estimate=estimate_create(spec.variants),
        service_timeout=spec.service_timeout,
        variant_changes=tuple(VariantChange(str(v.get("VariantName")), "added") for v in spec.variants),
        tags_to_add=tuple(spec.tags),
        warnings=spec.warnings,
    )


def plan_update(
    current: CurrentEndpoint,
    desired: EndpointSpec,
    config_name: str,
    *,
    previous_tag_keys: Iterable[str] = (),
) -> Plan:
    """Plan the update of a running endpoint towards ``desired``.

    Parameters
    ----------
    current:
        What runs now.
    desired:
        The template's properties.
    config_name:
        Name of the desired endpoint config (content-hashed).
    previous_tag_keys:
        Tag keys the previous properties set (only those are ever removed).
    """
    tags_to_add, tags_to_remove = _tag_changes(current.tags, desired.tags, previous_tag_keys)
    changes = diff_variants(current.variants, desired.variants)
    common = dict(
        endpoint_name=current.name,
        config_name=config_name,
        previous_config_name=current.config_name,
        estimate=desired.estimate,
        service_timeout=desired.service_timeout,
        variant_changes=changes,
        tags_to_add=tags_to_add,
        tag_keys_to_remove=tags_to_remove,
    )
    rules = _update_rules(current, desired)
    if rules.unguarded:
        common["estimate"] = estimate_rollout(None, desired.variants)
    checked = dict(
        refusal=rules.refusal,
        update_arguments=rules.update_arguments,
        unguarded=rules.unguarded,
        irreversible=rules.irreversible,
    )
    if current.busy:
        return Plan(action="wait", warnings=rules.warnings, **checked, **common)  # type: ignore[arg-type]
    if needs_rollout(current, config_name, config_matches(current.config, desired.config)) is False:
        action = "retag" if tags_to_add or tags_to_remove else "none"
        return Plan(action=action, **common)  # type: ignore[arg-type]
    suspend = _blocked_by_autoscaling(changes, current.autoscaled)
    warnings = list(rules.warnings)
    if desired.retain_all_variant_properties:
        kept = [c.name for c in changes if c.kind in ("changed", "unchanged")]
        if kept:
            warnings.append(
                "RetainAllVariantProperties: current instance counts and weights of "
                f"{', '.join(kept)} are kept "
                "(InitialInstanceCount / InitialVariantWeight changes are ignored)"
            )
    for excluded in desired.exclude_retained_variant_properties or ():
        warnings.append(
            f"ExcludeRetainedVariantProperties: {excluded.get('VariantPropertyType')} taken from the template"
        )
    if suspend:
        warnings.append(
            f"autoscaling on {', '.join(suspend)} is suspended during the rollout and restored afterwards"
        )
    if not desired.estimate.alarms and desired.deployment_config and not rules.unguarded:
        warnings.append("no AutoRollbackConfiguration alarms: only SageMaker's own health checks roll back")
    if not desired.deployment_config:
        warnings.append("no DeploymentConfig: SageMaker shifts all traffic at once without baking or alarms")
    return Plan(
        action="rollout",
        suspend_autoscaling=suspend,
        warnings=tuple(warnings),
        **checked,  # type: ignore[arg-type]
        **common,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------------------------
# Decisions of the rollout state machine (pure; the steps in sagemaker_rollout.rollout act on them)
# ---------------------------------------------------------------------------------------------

_CONFIG_METADATA = frozenset(
    {"EndpointConfigName", "EndpointConfigArn", "CreationTime", "ResponseMetadata", "Tags"}
)


def _canonical(value: Any) -> Any:
    """Normal form for comparing configs: unset, empty structures and 2.0 vs 2 compare equal."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool):
        return value
    return value


def config_matches(described: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> bool:
    """Whether a config's content (``DescribeEndpointConfig``) is what the template asks for.

    Compares content, not names, so a provider upgrade that names configs differently causes no
    rollout. Keys SageMaker adds to describe output (name, ARN, creation time) are ignored; any
    other difference counts (a spurious rollout is safe, a missed one is not).
    """
    if not described:
        return False
    have = {k: v for k, v in described.items() if k not in _CONFIG_METADATA}
    want = {k: v for k, v in desired.items() if k not in _CONFIG_METADATA}
    return bool(_canonical(have) == _canonical(want))


def needs_rollout(current: CurrentEndpoint, target_config: str, content_matches: bool) -> bool:
    """Whether an update must roll the endpoint out to ``target_config``.

    After ``UpdateRollbackFailed`` the endpoint may run a mixed fleet whatever its config name says
    (SageMaker developer guide, "Deployment guardrails": a failed rollback leaves the endpoint in
    ``UpdateRollbackFailed`` until it is updated again), so the next update rolls out again.
    """
    if current.status == "UpdateRollbackFailed":
        return True
    return not (current.config_name == target_config or content_matches)


@dataclass(frozen=True)
class Verdict:
    """What SageMaker did with an update, read once the endpoint settled.

    ``kind``: ``succeeded`` (InService on the target config), ``rolled-back`` (InService on
    another config: SageMaker's silent rollback), ``rollback-failed``, ``failed`` or ``gone``.
    """

    kind: str
    status: str
    config: str

    @property
    def succeeded(self) -> bool:
        return self.kind == "succeeded"


def settle_verdict(described: Mapping[str, Any] | None, target_config: str) -> Verdict:
    """Judge a settled endpoint against the config the update moved to.

    A guarded update that SageMaker rolls back ends ``InService`` on the *old* config (SageMaker
    developer guide, "Auto-Rollback Configuration and Monitoring"): status alone is not success.
    """
    if described is None:
        return Verdict("gone", "gone", "")
    status = str(described.get("EndpointStatus", ""))
    config = str(described.get("EndpointConfigName", ""))
    if status == "InService":
        return Verdict("succeeded" if config == target_config else "rolled-back", status, config)
    if status == "UpdateRollbackFailed":
        return Verdict("rollback-failed", status, config)
    return Verdict("failed", status, config)


def update_was_issued(described: Mapping[str, Any], target_config: str, intent_at: float | None) -> bool:
    """After a crash around UpdateEndpoint: did the call take effect?

    Yes when the endpoint runs or moves to the target (``PendingDeploymentSummary``) or is busy.
    An endpoint back ``InService`` on its old config may have rolled an earlier attempt back
    already: the update is then issued again, which SageMaker judges the same way (safe).
    """
    if intent_at is None:
        return False
    pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    if target_config in (described.get("EndpointConfigName"), pending):
        return True
    return described.get("EndpointStatus") in BUSY_STATUSES


def configs_to_drop(
    owned: Iterable[str],
    in_use: Iterable[str],
    other_users: Mapping[str, str] | None,
    protected: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """Which of the configs this resource created may be deleted.

    Parameters
    ----------
    owned:
        Configs the provider created for this stack resource and endpoint.
    in_use:
        Configs this endpoint runs or is moving to, read from SageMaker (never inferred).
    other_users:
        {config: endpoint} of every other endpoint, or None when some endpoint's use is unknown.
    protected:
        Configs never deleted whatever their tags say: the config an adopted endpoint ran when
        it was adopted (the provider did not create it; contract section 8).

    Returns
    -------
    (drop, kept)
        Configs to delete, and one line per config kept for a reason worth logging.
    """
    busy = set(in_use)
    keep = set(protected)
    drop, kept = [], []
    for name in sorted(set(owned) - busy):
        if name in keep:
            kept.append(f"{name}: the endpoint ran it when it was adopted (not created by the provider)")
        elif other_users is None:
            kept.append(f"{name}: another endpoint's use of it cannot be read")
        elif name in other_users:
            kept.append(f"{name}: endpoint {other_users[name]} uses it")
        else:
            drop.append(name)
    return drop, kept


# ---------------------------------------------------------------------------------------------
# Adoption (AdoptExistingEndpoint, contract section 8)
# ---------------------------------------------------------------------------------------------


def adoption_refusal(
    endpoint: str,
    tags: Mapping[str, str],
    status: str,
    *,
    adopt: bool,
    request_type: str,
) -> str | None:
    """Why an existing endpoint this stack resource does not own cannot be taken over, or None.

    Called only for an endpoint that is not this stack resource's. None means: adopt it (once it
    is not busy). The order gives the most useful reason first: another stack's endpoint is never
    adopted, whatever its tags say; then the property; then the owner's consent; then the state
    SageMaker leaves no way out of (``Failed``: "DeleteEndpoint is the only operation that can be
    performed on a failed endpoint", DescribeEndpoint API reference, ``EndpointStatus``:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).

    Parameters
    ----------
    endpoint:
        The endpoint's name.
    tags:
        Its tags now (``ListTags``).
    status:
        Its ``EndpointStatus``.
    adopt:
        ``AdoptExistingEndpoint``.
    request_type:
        ``Create`` adopts; an ``Update`` (an ``EndpointName`` change included) never does.
    """
    stack = tags.get(STACK_ID_TAG)
    if stack or tags.get(MANAGED_BY_TAG):
        owner = f"resource {tags.get(LOGICAL_ID_TAG, '?')} of stack {stack}" if stack else "another resource"
        return (
            f"EndpointName: endpoint {endpoint} already exists and is managed by {owner}; "
            "choose another EndpointName (an endpoint another stack owns is never adopted)"
        )
    if not adopt:
        return (
            f"EndpointName: endpoint {endpoint} already exists and is not managed by this stack resource; "
            f"to bring it under the provider, tag it {ADOPTABLE_TAG}=true and set "
            "AdoptExistingEndpoint: true, or choose another EndpointName"
        )
    if request_type != "Create":
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} is not managed by this stack resource and only "
            "a Create adopts; add the resource under a new logical id to adopt it, or choose another "
            "EndpointName"
        )
    consent = tags.get(ADOPTABLE_TAG)
    if consent != "true":
        seen = f" (it is {consent!r})" if consent is not None else ""
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} lacks its owner's consent, the tag "
            f"{ADOPTABLE_TAG}=true{seen}; tag it so, or choose another EndpointName"
        )
    if status == "Failed":
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} is Failed and SageMaker only lets a Failed endpoint "
            "be deleted; delete it (then the provider creates it) or choose another EndpointName"
        )
    return None


@dataclass(frozen=True)
class Release:
    """How the Delete of a failed adoption gives the endpoint back.

    ``action``: ``wait`` (SageMaker is busy with it), ``untag`` (it runs its original config:
    only the ownership tags go), ``move-back`` (UpdateEndpoint back to the original config, without
    a DeploymentConfig, ``suspend`` deregistered around it as in any update, then untag).
    """

    action: str
    suspend: tuple[str, ...] = ()


def plan_release(
    current: CurrentEndpoint, original: Sequence[Mapping[str, Any]], original_config: str
) -> Release:
    """Plan the release of an adopted endpoint back to ``original_config`` (its ``ProductionVariants``).

    An endpoint ``InService`` on its original config needs nothing but untagging (a failed guarded
    update that SageMaker rolled back ends there). ``Failed`` cannot be updated (DeleteEndpoint is
    the only operation SageMaker allows on it, see :func:`adoption_refusal`), so it is untagged
    where it is. Anything else settled (``InService`` on the provider's config,
    ``UpdateRollbackFailed``: a possibly mixed fleet) moves back.
    """
    if current.busy:
        return Release("wait")
    if current.status == "Failed" or (
        current.status == "InService" and current.config_name == original_config
    ):
        return Release("untag")
    changes = diff_variants(current.variants or current.live_variants, original)
    return Release("move-back", _blocked_by_autoscaling(changes, current.autoscaled))
