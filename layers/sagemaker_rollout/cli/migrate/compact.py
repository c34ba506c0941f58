"""--compact: a SageMakerRollout::Endpoint absorbing what belongs to a pair (stub)."""

from __future__ import annotations

from typing import Any

__all__ = ["COMPACT_TYPE", "add_transform", "compact_resource", "retain_candidates"]

COMPACT_TYPE = "SageMakerRollout::Endpoint"


def retain_candidates(document: Any) -> dict[str, str]:
    return {}


def compact_resource(document: Any, pair: Any, *, endpoint_name: Any, report: Any) -> Any:
    return None


def add_transform(document: Any) -> None:
    return None
