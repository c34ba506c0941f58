"""Editing nested test documents (templates, resource properties) by dotted path."""

from __future__ import annotations

import copy
from typing import Any


def with_value(document: Any, path: str, value: Any) -> Any:
    """A deep copy of ``document`` with ``a.0.b`` (list indexes as numbers) set to ``value``."""
    document = copy.deepcopy(document)
    keys = path.split(".")
    target: Any = document
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return document
