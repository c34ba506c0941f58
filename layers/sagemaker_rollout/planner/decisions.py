"""Decisions of the rollout state machine (pure; the steps in :mod:`sagemaker_rollout.rollout` act on them).

Whether a config's content is what is asked, whether an update must roll out, SageMaker's verdict
once the endpoint settled, whether an UpdateEndpoint took effect, and which configs may be dropped.
Part of :mod:`sagemaker_rollout.planner`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sagemaker_rollout.planner.model import BUSY_STATUSES, CurrentEndpoint

__all__ = [
    "Verdict",
    "VerdictKind",
    "config_matches",
    "configs_to_drop",
    "needs_rollout",
    "settle_verdict",
    "update_was_issued",
]


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


class VerdictKind(StrEnum):
    """What SageMaker did with an update, read once the endpoint settled."""

    SUCCEEDED = "succeeded"
    """InService on the target config."""
    ROLLED_BACK = "rolled-back"
    """InService on another config: SageMaker's silent rollback."""
    ROLLBACK_FAILED = "rollback-failed"
    FAILED = "failed"
    GONE = "gone"
    """The endpoint no longer exists."""


@dataclass(frozen=True)
class Verdict:
    """What SageMaker did with an update (:class:`VerdictKind`), its status and config then."""

    kind: VerdictKind
    status: str
    config: str

    @property
    def succeeded(self) -> bool:
        return self.kind is VerdictKind.SUCCEEDED


def settle_verdict(described: Mapping[str, Any] | None, target_config: str) -> Verdict:
    """Judge a settled endpoint against the config the update moved to.

    A guarded update that SageMaker rolls back ends ``InService`` on the *old* config (SageMaker
    developer guide, "Auto-Rollback Configuration and Monitoring"): status alone is not success.
    """
    if described is None:
        return Verdict(VerdictKind.GONE, "gone", "")
    status = str(described.get("EndpointStatus", ""))
    config = str(described.get("EndpointConfigName", ""))
    if status == "InService":
        kind = VerdictKind.SUCCEEDED if config == target_config else VerdictKind.ROLLED_BACK
        return Verdict(kind, status, config)
    if status == "UpdateRollbackFailed":
        return Verdict(VerdictKind.ROLLBACK_FAILED, status, config)
    return Verdict(VerdictKind.FAILED, status, config)


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
