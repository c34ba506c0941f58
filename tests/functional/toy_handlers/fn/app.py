"""Thin entry point of the toy function (its code lives in ``toy_provider``, like a layer)."""

from __future__ import annotations

from toy_provider import handler

__all__ = ["handler"]
