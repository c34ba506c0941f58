"""Every step module, imported: each registers its steps in the graph (:func:`~.graph.step`).

The engine reaches a phase's step through :func:`~sagemaker_rollout.rollout.graph.step_for`, which
imports this module first; no step module imports another (shared helpers: :mod:`.helpers`).
"""

from __future__ import annotations

from sagemaker_rollout.rollout import abort, confirm, create, delete, recovery, update

__all__ = ["abort", "confirm", "create", "delete", "recovery", "update"]
