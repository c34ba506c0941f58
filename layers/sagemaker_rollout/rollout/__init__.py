"""The durable rollout state machine: typed state, progress events, steps and the engine loop.

One request (Create, Update or Delete of a ``Custom::SageMakerEndpoint``) is a sequence of small
steps. Each step reads what it needs from AWS, writes its intent to the journal, makes at most one
AWS change and returns a :class:`~sagemaker_rollout.rollout.progress.Progress`. The engine owns
polling, deadlines, the endpoint lease and the hand-off to a fresh invocation, so a crash, a retry,
a duplicate or a transient error at any point resumes or ends safely.
"""

from __future__ import annotations

from sagemaker_rollout.rollout.progress import Done, Fail, Next, Progress, Wait
from sagemaker_rollout.rollout.state import Phase, RolloutState

__all__ = ["Done", "Fail", "Next", "Phase", "Progress", "RolloutState", "Wait"]
