"""Reading compact properties: intrinsics, parameter resolution, typed values with located errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.macro.errors import MacroError
from sagemaker_rollout.sagemaker import is_intrinsic

__all__ = ["Scope", "is_intrinsic", "join_path", "show"]

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: Longest value representation an error message repeats.
MAX_SHOWN = 60


def show(value: Any) -> str:
    """``repr`` of a value for a one-line message, cut to :data:`MAX_SHOWN` characters."""
    if isinstance(value, Mapping) and not is_intrinsic(value):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 5]}...{text[-1]} ({len(text)} chars)"


def join_path(path: str, key: str | int) -> str:
    """Append a key (``.Key``) or an index (``[3]``) to a property path."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass(frozen=True)
class Scope:
    """Where values are read: the compact resource's logical id and the template's parameter values.

    Parameters
    ----------
    resource:
        Logical id of the compact resource (prefix of every error message).
    parameters:
        Template parameter values (``templateParameterValues``); used to resolve ``Ref``s where the
        macro must know a value.
    declared:
        Names of the template's parameters, so that a ``Ref`` to one without a value says so.
    """

    resource: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    declared: frozenset[str] = frozenset()

    def error(self, path: str, reason: str) -> MacroError:
        """Build a :class:`MacroError` located at ``path``."""
        return MacroError(self.resource, path, reason)

    def resolve(self, value: Any) -> Any:
        """Resolve ``{"Ref": param}`` from the parameter values; return anything else unchanged."""
        if isinstance(value, Mapping) and len(value) == 1 and "Ref" in value:
            name = value["Ref"]
            if isinstance(name, str) and name in self.parameters:
                return self.parameters[name]
        return value

    def unknown_reason(self, value: Any, what: str) -> str:
        """Why ``value`` cannot be used where ``what`` must be known (one line)."""
        name = value.get("Ref") if isinstance(value, Mapping) else None
        if isinstance(name, str) and name in self.declared:
            return (
                f"must be {what}; it is a Ref to parameter {name}, which has no value here "
                f"(give the parameter a Default, or pass --parameter {name}=VALUE)"
            )
        return f"must be {what} (a literal or a Ref to a template parameter)"

    def known(self, value: Any) -> bool:
        """Whether the value is known at expansion time (literal or resolvable ``Ref``)."""
        return not is_intrinsic(self.resolve(value))

    # -- structure ---------------------------------------------------------------------------

    def mapping(
        self,
        value: Any,
        path: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> Mapping[str, Any]:
        """Check that ``value`` is a mapping with only ``allowed`` keys and every ``required`` key."""
        if not isinstance(value, Mapping) or is_intrinsic(value):
            raise self.error(path, f"must be a mapping with keys {', '.join(allowed)}")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), [str(name) for name in allowed], n=1, cutoff=0.6)
                hint = f"did you mean {close[0]}? " if close else ""
                raise self.error(path, f"unknown key {show(key)} ({hint}allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                raise self.error(path, f"{key} is required")
        return value

    def sequence(self, value: Any, path: str, minimum: int = 0, maximum: int | None = None) -> list[Any]:
        """Check that ``value`` is a list of ``minimum`` to ``maximum`` items."""
        if not isinstance(value, list):
            raise self.error(path, "must be a list")
        if len(value) < minimum or (maximum is not None and len(value) > maximum):
            bound = f"{minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            raise self.error(path, f"must have {bound} items, got {len(value)}")
        return value

    # -- scalars -----------------------------------------------------------------------------

    def _literal(self, value: Any, path: str, what: str) -> Any:
        resolved = self.resolve(value)
        if is_intrinsic(resolved):
            raise self.error(path, self.unknown_reason(value, what))
        return resolved

    def integer(
        self,
        value: Any,
        path: str,
        minimum: int | None = None,
        maximum: int | None = None,
        *,
        literal: bool = False,
    ) -> int | None:
        """Read a whole number in [minimum, maximum]; ``None`` if it is an unresolvable intrinsic.

        With ``literal=True`` an unresolvable intrinsic is an error instead.
        """
        resolved = self.resolve(value)
        bounds = _bounds(minimum, maximum)
        if is_intrinsic(resolved):
            if literal:
                raise self.error(path, self.unknown_reason(value, f"a whole number{bounds}"))
            return None
        number: int | None = None
        if isinstance(resolved, bool):
            number = None
        elif isinstance(resolved, int):
            number = resolved
        elif isinstance(resolved, float) and resolved.is_integer():
            number = int(resolved)
        elif isinstance(resolved, str) and _INT_RE.match(resolved.strip()):
            number = int(resolved.strip())
        if number is None:
            raise self.error(path, f"must be a whole number{bounds}, got {show(resolved)}")
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise self.error(path, f"must be a whole number{bounds}, got {number}")
        return number

    def number(
        self,
        value: Any,
        path: str,
        minimum: float | None = None,
        maximum: float | None = None,
        *,
        literal: bool = False,
        exclusive_minimum: bool = False,
    ) -> float | None:
        """Read a number in [minimum, maximum]; ``None`` if it is an unresolvable intrinsic."""
        resolved = self.resolve(value)
        low = "greater than" if exclusive_minimum else "at least"
        bounds = ""
        if minimum is not None:
            bounds = f" {low} {_fmt(minimum)}"
        if maximum is not None:
            bounds += f"{' and' if bounds else ''} at most {_fmt(maximum)}"
        if is_intrinsic(resolved):
            if literal:
                raise self.error(path, self.unknown_reason(value, f"a number{bounds}"))
            return None
        result: float | None = None
        if isinstance(resolved, bool):
            result = None
        elif isinstance(resolved, int | float):
            result = float(resolved)
        elif isinstance(resolved, str) and _NUMBER_RE.match(resolved.strip()):
            result = float(resolved.strip())
        if result is None:
            raise self.error(path, f"must be a number{bounds}, got {show(resolved)}")
        too_low = minimum is not None and (result <= minimum if exclusive_minimum else result < minimum)
        if too_low or (maximum is not None and result > maximum):
            raise self.error(path, f"must be a number{bounds}, got {_fmt(result)}")
        return result

    def boolean(self, value: Any, path: str) -> bool:
        """Read a boolean (``true``/``false``, also as strings); it must be known."""
        resolved = self._literal(value, path, "true or false")
        if isinstance(resolved, bool):
            return resolved
        if isinstance(resolved, str) and resolved.strip().lower() in ("true", "false"):
            return resolved.strip().lower() == "true"
        raise self.error(path, f"must be true or false, got {show(resolved)}")

    def string(self, value: Any, path: str, *, literal: bool = False) -> str | None:
        """Read a string; ``None`` if it is an unresolvable intrinsic (an error with ``literal``)."""
        resolved = self.resolve(value)
        if is_intrinsic(resolved):
            if literal:
                raise self.error(path, self.unknown_reason(value, "a string"))
            return None
        if isinstance(resolved, bool) or not isinstance(resolved, str | int | float):
            raise self.error(path, f"must be a string, got {show(resolved)}")
        return str(resolved)

    def choice(self, value: Any, path: str, allowed: Sequence[str]) -> str:
        """Read a string that must be one of ``allowed`` (and known)."""
        resolved = self._literal(value, path, f"one of {', '.join(allowed)}")
        if resolved not in allowed:
            close = (
                difflib.get_close_matches(resolved, list(allowed), n=1, cutoff=0.6)
                if isinstance(resolved, str)
                else []
            )
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise self.error(path, f"must be one of {', '.join(allowed)}, got {show(resolved)}{hint}")
        return str(resolved)


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
