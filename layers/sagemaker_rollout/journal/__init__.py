"""The durable rollout journal: one DynamoDB table, written before every side effect.

:mod:`~sagemaker_rollout.journal.store` holds :class:`Journal` (reads and conditional writes; its
docstring describes the items and their guarantees), :mod:`~sagemaker_rollout.journal.records` the
typed records and keys.
"""

from __future__ import annotations

from sagemaker_rollout.journal.records import (
    ENDPOINT_INDEX,
    Adoption,
    EndpointItem,
    JournalConflictError,
    JournalUnavailableError,
    RequestRecord,
    table_definition,
)
from sagemaker_rollout.journal.store import Journal, journal_patience
from sagemaker_rollout.rollout.request import request_key

__all__ = [
    "ENDPOINT_INDEX",
    "Adoption",
    "EndpointItem",
    "Journal",
    "JournalConflictError",
    "JournalUnavailableError",
    "RequestRecord",
    "journal_patience",
    "request_key",
    "table_definition",
]
