"""Decide what an update does: pure, no AWS.

:func:`plan_update` turns (what runs now, what the template asks for) into a :class:`Plan`. The
provider executes plans; ``sagemaker-rollout plan`` prints them. Both use this module, so what
``plan`` shows is what the provider does.

The package's parts: :mod:`~sagemaker_rollout.planner.model` (what runs, variant changes, the plan),
:mod:`~sagemaker_rollout.planner.update` (plan a Create or an Update),
:mod:`~sagemaker_rollout.planner.decisions` (the rollout state machine's decisions: verdict, configs
to drop) and :mod:`~sagemaker_rollout.planner.adoption` (adopting and releasing an endpoint).
"""

from __future__ import annotations

from sagemaker_rollout.planner.adoption import Release, adoption_refusal, plan_release
from sagemaker_rollout.planner.decisions import (
    Verdict,
    VerdictKind,
    config_matches,
    configs_to_drop,
    needs_rollout,
    settle_verdict,
    update_was_issued,
)
from sagemaker_rollout.planner.model import (
    BUSY_STATUSES,
    SCALABLE_DIMENSION,
    CurrentEndpoint,
    Plan,
    VariantChange,
    diff_variants,
)
from sagemaker_rollout.planner.update import plan_create, plan_update, retained_values, with_retained
from sagemaker_rollout.sagemaker import scalable_resource_id

__all__ = [
    "BUSY_STATUSES",
    "SCALABLE_DIMENSION",
    "CurrentEndpoint",
    "Plan",
    "Release",
    "VariantChange",
    "Verdict",
    "VerdictKind",
    "adoption_refusal",
    "config_matches",
    "configs_to_drop",
    "diff_variants",
    "needs_rollout",
    "plan_create",
    "plan_release",
    "plan_update",
    "retained_values",
    "scalable_resource_id",
    "settle_verdict",
    "update_was_issued",
    "with_retained",
]
