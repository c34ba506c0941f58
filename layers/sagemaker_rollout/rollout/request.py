"""What the engine reads from a request's event besides its identity: time limit, pre-journal state.

Part of the engine (:mod:`sagemaker_rollout.rollout.engine`), which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.rollout.context import TIME_LIMIT_KEY
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["LEGACY_STATE_KEY", "legacy_state", "service_timeout"]

LEGACY_STATE_KEY = "SageMakerRolloutState"
"""Continuation state of provider versions before the journal (the whole event plus this key)."""


def legacy_state(event: Mapping[str, Any]) -> RolloutState | None:
    """The state a pre-journal continuation carried, mapped onto the state machine (upgrades)."""
    old = event.get(LEGACY_STATE_KEY)
    if not isinstance(old, Mapping):
        return None
    state = RolloutState()
    rollout = old.get("rollout")
    if isinstance(rollout, Mapping):
        state.phase = Phase.START
        state.target_config = str(rollout.get("config") or "")
        state.previous_config = str(rollout.get("previous") or "")
        state.snapshot = list(rollout.get("autoscaling") or [])
        state.suspended = bool(state.snapshot)
        if rollout.get("since") is not None:
            state.update_intent_at = float(rollout["since"])
    elif old.get("created"):
        state.create_intent_at = float(old.get("started") or 0.0)
    return state


def service_timeout(event: Mapping[str, Any]) -> float:
    """Seconds CloudFormation gives the request: the registry handler's limit, or ServiceTimeout (<= 3600)."""
    limit = event.get(TIME_LIMIT_KEY)
    if isinstance(limit, int | float) and limit > 0:
        return float(limit)  # the registry type's handler timeout
    raw = (event.get("ResourceProperties") or {}).get("ServiceTimeout")
    try:
        value = float(raw) if raw is not None else 3600.0
    except (TypeError, ValueError):
        return 3600.0
    return value if 0 < value <= 3600 else 3600.0
