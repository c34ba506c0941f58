"""Requests that began under a provider version before the journal (an upgrade mid-rollout).

Such a version handed a long wait over to a fresh invocation with the whole event plus
:data:`LEGACY_STATE_KEY`. This front end maps that state onto the state machine, so the rollout in
flight during the upgrade finishes under the new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["LEGACY_STATE_KEY", "legacy_state"]

LEGACY_STATE_KEY = "SageMakerRolloutState"
"""Continuation state of provider versions before the journal (the whole event plus this key)."""


def legacy_state(event: Mapping[str, Any]) -> tuple[RolloutState | None, float | None]:
    """The state and start time a pre-journal continuation carried; (None, None) for any other event."""
    old = event.get(LEGACY_STATE_KEY)
    if not isinstance(old, Mapping):
        return None, None
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
    started = old.get("started")
    return state, float(started) if started is not None else None
