"""The typed, serialisable state of one request (what the journal stores between steps)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from sagemaker_rollout.rollout.graph import RECOVERY_PHASES, Phase
from sagemaker_rollout.rollout.progress import FailCode

__all__ = ["CONTINUATION_KEY", "RECOVERY_PHASES", "AdoptionFate", "Phase", "RolloutState"]

CONTINUATION_KEY = "SageMakerRolloutContinuation"
"""Key of a continuation payload: ``{"key": <request key>, "token": <journal token>}`` only."""


class AdoptionFate(StrEnum):
    """What the Delete of a successfully adopted endpoint does, decided once from the stack's status."""

    UNDECIDED = ""
    DELETE = "delete"
    RELEASE = "release"


_WRITTEN_WHEN_SET = (
    "brake",
    "brake_armed",
    "brake_tripped_at",
    "brake_tripped",
    "brake_removing",
    "brake_reader",
    "abort_margin",
    "expected_launch",
    "abort_reason",
    "smoke",
    "smoke_failure",
    "smoke_rollback",
    "failure_code",
    "users_scan",
    "retained",
    "confirmed",
    "unconfirmed",
    "dropped",
    "leftovers",
    "cleanup_attempts",
    "reclaim_attempts",
    "scaling_generation",
    "waiting",
)
"""Fields written to the journal only when set (not None, empty or zero): records keep the shape
earlier versions wrote."""


@dataclass
class RolloutState:
    """Everything a resumed invocation needs that cannot be read back from AWS.

    Attributes
    ----------
    phase:
        The step to run next.
    endpoint:
        The endpoint the request acts on ('' until known).
    physical_id:
        The physical id to report (the endpoint, or the old one during a replacement).
    target_config, previous_config:
        The config the request moves to, and the one the endpoint ran before.
    suspend_variants:
        Variants whose autoscaling blocks the update (the planner's decision).
    snapshot:
        Autoscaling saved before deregistration (Application Auto Scaling's own shapes).
    suspended:
        The snapshot's targets may be deregistered (set before DeregisterScalableTarget).
    update_intent_at:
        When UpdateEndpoint was about to be called (distinguishes "never issued" from "issued
        and already rolled back" after a crash).
    create_intent_at:
        Same for CreateEndpoint.
    replacement_of:
        During an ``EndpointName`` change: the old endpoint (CloudFormation deletes it).
    unguarded:
        The update rolls out without its DeploymentConfig (``AllowUnguardedRollout``).
    update_arguments:
        The planner's UpdateEndpoint arguments besides the names (DeploymentConfig, retain flags).
    failure:
        Set once the request is known to fail: the reason's head.
    failure_physical_id:
        Physical id to report with the failure, if not ``physical_id``.
    notes:
        What recovery did (appended to the reason).
    outcome_config, outcome_arn:
        What the endpoint runs when the request succeeds (``Fn::GetAtt`` data).
    last_status:
        The endpoint status last seen (for timeout reasons).
    steps:
        Steps taken so far (the journal's version of the request).
    adopted_from:
        Create with ``AdoptExistingEndpoint``: the config the endpoint ran when it was adopted
        (set, and journaled, before the ownership tags are added); '' otherwise.
    releasing:
        Delete of a failed adoption: the endpoint goes back to ``target_config`` (its original
        config) and loses its ownership tags; it is never deleted.
    adoption_fate:
        Delete of an endpoint whose adoption succeeded: delete or release, decided from the stack's
        status and journaled before either acts (undecided until then, and for any other endpoint).
        A resumed request follows it and never decides again.
    failure_code:
        The kind of failure (:class:`~sagemaker_rollout.rollout.progress.FailCode`), when the step
        that failed knows it.
    fate_reason:
        Why such an endpoint was released rather than deleted (the SUCCESS answer's reason).
    users_scan:
        Where the scan for other endpoints using this endpoint's configs got to (a cursor of
        :func:`~sagemaker_rollout.aws.reading.scan_config_users`), so a later invocation resumes it.
    retained:
        ``{variant: {"InitialInstanceCount": n, "InitialVariantWeight": w}}``: the live values the
        planner wrote into the target config for autoscaled variants (the retain rule of
        :func:`~sagemaker_rollout.planner.plan_update`); applied when the config is created.
    confirmed:
        What CloudFormation said when it confirmed the request (custom resource only; journaled, so
        a retry or a continuation does not ask again).
    unconfirmed:
        The last transient error of the check with CloudFormation (the reason if it never completes).
    dropped:
        Why the request was dropped: CloudFormation did not confirm it (nothing done, nothing sent).
    leftovers:
        Endpoint configs the clean-up could not delete, each with why (named in the answer and in
        ``history``; the journal's endpoint item keeps them for a later request).
    cleanup_attempts, reclaim_attempts:
        Tries of a clean-up, and of restoring autoscaling an earlier request left, that failed.
    scaling_generation:
        The endpoint's ``ScalingGeneration`` attribute (re-creations of its scaling policies).
    waiting:
        A wait for SageMaker that ends invocations (issue 23): its start, the next wake-up and why,
        the live wake-up message (id and arrival: the deadline watchdog), the reads made, the last
        observation, whether SageMaker's events were confirmed
        (:class:`~sagemaker_rollout.rollout.suspend.Waiting`); empty otherwise.
    brake, brake_armed:
        The provider's brake alarm of this rollout (:mod:`sagemaker_rollout.aws.brake`; its name is
        journaled before it is created, so the clean-up deletes it on every route), and whether it
        was created before the UpdateEndpoint ('' / False: a rollout no brake can stop).
    brake_removing:
        The clean-up is deleting the brake (journaled before its DeleteAlarms).
    brake_reader:
        Whether the endpoint's execution role may read the brake, as IAM's policy simulation said
        before any change (:mod:`sagemaker_rollout.rollout.brake_role`): ``allowed``, or
        ``unchecked`` (the check could not be made; noted); '' until checked. A denial fails the
        request.
    brake_tripped_at, brake_tripped, abort_reason:
        When the provider decided to trip the brake (journaled before the call), whether the trip's
        PutMetricAlarm is known done, and why ("would overrun ServiceTimeout ...", or an operator's
        reason): the request then answers FAILED with it.
    abort_margin, expected_launch:
        The deadline rule's figures of this rollout (:mod:`sagemaker_rollout.spec.deadline`): the
        alarm's evaluation plus the rollback's worst case, and the expected fleet launch from the
        endpoint's past launches (0: the stated assumption).
    smoke:
        The smoke tests of this request (:mod:`sagemaker_rollout.rollout.smoke_runs`): ``consented``
        (the function's consent tag was read), ``runs`` (per bake, and ``after completion``: every
        call's outcome, latency and detail, and the run's result).
    smoke_failure, smoke_rollback:
        The smoke test after completion failed (its reason) and the endpoint is being sent back to
        the previous config (``target_config`` is then the previous config).
    """

    phase: Phase = Phase.START
    endpoint: str = ""
    physical_id: str = ""
    target_config: str = ""
    previous_config: str = ""
    suspend_variants: list[str] = field(default_factory=list)
    snapshot: list[dict[str, Any]] = field(default_factory=list)
    suspended: bool = False
    update_intent_at: float | None = None
    create_intent_at: float | None = None
    replacement_of: str = ""
    unguarded: bool = False
    update_arguments: dict[str, Any] = field(default_factory=dict)
    failure: str = ""
    failure_physical_id: str | None = None
    notes: list[str] = field(default_factory=list)
    outcome_config: str = ""
    outcome_arn: str = ""
    last_status: str = ""
    restore_attempts: int = 0
    steps: int = 0
    adopted_from: str = ""
    releasing: bool = False
    adoption_fate: AdoptionFate = AdoptionFate.UNDECIDED
    fate_reason: str = ""
    failure_code: FailCode | None = None
    users_scan: dict[str, Any] = field(default_factory=dict)
    retained: dict[str, dict[str, Any]] = field(default_factory=dict)
    confirmed: str = ""
    unconfirmed: str = ""
    dropped: str = ""
    leftovers: list[str] = field(default_factory=list)
    cleanup_attempts: int = 0
    reclaim_attempts: int = 0
    scaling_generation: int | None = None
    waiting: dict[str, Any] = field(default_factory=dict)
    brake: str = ""
    brake_armed: bool = False
    brake_tripped_at: float | None = None
    brake_tripped: bool = False
    brake_removing: bool = False
    brake_reader: str = ""
    abort_margin: float = 0.0
    expected_launch: float = 0.0
    abort_reason: str = ""
    smoke: dict[str, Any] = field(default_factory=dict)
    smoke_failure: str = ""
    smoke_rollback: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.failure)

    def to_json(self) -> str:
        data = asdict(self)
        data["phase"] = self.phase.value
        for name in _WRITTEN_WHEN_SET:
            if data.get(name) in (None, "", [], {}, 0):
                del data[name]
        return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)

    def progress_key(self) -> str:
        """The state as the journal needs it: everything but the step counter."""
        steps, self.steps = self.steps, 0
        try:
            return self.to_json()
        finally:
            self.steps = steps

    @classmethod
    def from_json(cls, text: str) -> RolloutState:
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        values["phase"] = Phase(values.get("phase", Phase.START.value))
        values["adoption_fate"] = AdoptionFate(values.get("adoption_fate") or "")
        values["failure_code"] = FailCode.parse(values.get("failure_code"))
        return cls(**values)
