"""Coerce and validate property values against SageMaker's own API model.

CloudFormation delivers every scalar as a string. The botocore service model already describes
every structure SageMaker accepts (member names, types, required members, ranges, patterns), so
the provider uses it as its schema: one walk converts ``"2"`` to ``2`` and ``"true"`` to ``True``
where SageMaker expects them, and rejects what SageMaker would reject, with the property path in
the message, before any call that changes something.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.sagemaker import is_intrinsic
from sagemaker_rollout.spec.errors import PropertyError

__all__ = ["coerce", "is_intrinsic", "operation_input", "sagemaker_shape", "unknown_reason"]

_MAX_ENUM_CHECKED = 12  # long enums (instance types) grow with every release: not enforced
_MAX_LISTED = 8


@functools.lru_cache(maxsize=1)
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def operation_input(operation: str) -> Any:
    """The botocore input shape of a SageMaker operation (``"CreateEndpointConfig"``)."""
    return _service_model().operation_model(operation).input_shape


def sagemaker_shape(name: str) -> Any:
    """A named shape of the SageMaker model (``"ProductionVariant"``)."""
    return _service_model().shape_for(name)


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (", ..." if len(names) > _MAX_LISTED else "")


def unknown_reason(key: str, allowed: list[str], where: str) -> str:
    """``unknown property`` with the closest allowed name first, then the others."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown property; {hint}{where} allows {_listed(sorted(allowed))}"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def coerce(shape: Any, value: Any, path: str, *, allow_intrinsics: bool = True) -> Any:
    """Return ``value`` converted to what ``shape`` expects, or raise :class:`PropertyError`.

    Parameters
    ----------
    shape:
        A botocore shape.
    value:
        The property value as CloudFormation delivered it (strings for scalars).
    path:
        The property path, for messages.
    allow_intrinsics:
        Accept unresolved intrinsic functions anywhere (used by the macro and the linter, which
        see templates before CloudFormation resolves them).
    """
    if allow_intrinsics and is_intrinsic(value):
        return value
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        return _structure(shape, value, path, allow_intrinsics)
    if kind == "list":
        if not isinstance(value, list):
            raise PropertyError(path, f"must be a list, got {_show(value)}")
        _check_size(path, len(value), meta, "item")
        return [
            coerce(shape.member, item, f"{path}[{index}]", allow_intrinsics=allow_intrinsics)
            for index, item in enumerate(value)
        ]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise PropertyError(path, f"must be a map of {shape.value.type_name}s, got {_show(value)}")
        return {
            str(k): coerce(shape.value, v, f"{path}.{k}", allow_intrinsics=allow_intrinsics)
            for k, v in value.items()
        }
    if kind in ("integer", "long"):
        number = _integer(value, path)
        _check_range(path, number, meta)
        return number
    if kind in ("float", "double"):
        real = _real(value, path)
        _check_range(path, real, meta)
        return real
    if kind == "boolean":
        return _boolean(value, path)
    if kind == "string":
        return _string(shape, value, path)
    return value


def _structure(shape: Any, value: Any, path: str, allow_intrinsics: bool) -> dict[str, Any]:
    where = path or "properties"
    if not isinstance(value, Mapping):
        raise PropertyError(
            path, f"must be an object with {_listed(list(shape.members))}, got {_show(value)}"
        )
    members = shape.members
    unknown = sorted(str(key) for key in value if key not in members)
    if unknown:
        raise PropertyError(
            f"{path}.{unknown[0]}" if path else unknown[0], unknown_reason(unknown[0], list(members), where)
        )
    for required in shape.required_members:
        if required not in value:
            raise PropertyError(f"{path}.{required}" if path else required, "is required")
    return {
        key: coerce(members[key], item, f"{path}.{key}" if path else key, allow_intrinsics=allow_intrinsics)
        for key, item in value.items()
    }


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise PropertyError(path, f"must be a whole number, got {_show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise PropertyError(path, f"must be a whole number, got {_show(value)}")


def _real(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise PropertyError(path, f"must be a number, got {_show(value)}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise PropertyError(path, f"must be a number, got {_show(value)}") from None
    else:
        raise PropertyError(path, f"must be a number, got {_show(value)}")
    if not math.isfinite(number):
        raise PropertyError(path, f"must be a finite number, got {_show(value)}")
    return number


def _boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PropertyError(path, f"must be true or false, got {_show(value)}")


def _string(shape: Any, value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PropertyError(path, f"must be a string, got {_show(value)}")
    text = value if isinstance(value, str) else str(value)
    meta = shape.metadata
    enum = getattr(shape, "enum", None) or []
    if enum and len(enum) <= _MAX_ENUM_CHECKED and text not in enum:
        raise PropertyError(path, f"{_show(text)} is not allowed; use one of {', '.join(enum)}")
    _check_size(path, len(text), meta, "character")
    pattern = meta.get("pattern")
    if pattern and text:
        try:
            matched = re.fullmatch(pattern, text) is not None
        except re.error:
            matched = True
        if not matched:
            raise PropertyError(path, f"{_show(text)} does not match {pattern}")
    return text


def _check_size(path: str, size: int, meta: Mapping[str, Any], unit: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        raise PropertyError(path, f"needs at least {low} {unit}{'s' if low != 1 else ''}, got {size}")
    if high is not None and size > high:
        raise PropertyError(path, f"allows at most {high} {unit}{'s' if high != 1 else ''}, got {size}")


def _check_range(path: str, number: float, meta: Mapping[str, Any]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and number < low:
        raise PropertyError(path, f"{number:g} is below the minimum {low}")
    if high is not None and number > high:
        raise PropertyError(path, f"{number:g} is above the maximum {high}")
