"""The vocabulary of the compact type's declarative schema: :class:`Prop`, :class:`Obj`, :class:`When`.

A property is declared once (type, allowed values or range, default, description, whether it must
be known at expansion time) and read three ways: the macro validates a value through
:meth:`Prop.check` (one-line errors naming the property path and what is allowed), the tools render
it as JSON Schema (``sagemaker_rollout_tools.schemas_gen``) and as the documentation's property
tables (``sagemaker_rollout_tools.compact_docs``). The style follows JSON Schema and binxio's
cfn-resource-provider property schemas: an object lists its properties, each with its constraints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sagemaker_rollout.macro.values import Scope, is_intrinsic, join_path, show

__all__ = ["Kind", "Obj", "Prop", "When"]

Kind = Literal["integer", "number", "boolean", "string", "object", "array", "size", "json", "tags", "keyed"]
"""What a property holds.

``size`` is a deployment step (``10%`` or a whole instance count), ``json`` a value passed through
(``json`` gives its JSON Schema), ``tags`` a mapping of tag names to values or ``[{Key, Value}]``,
``keyed`` an object whose keys are ``keys`` and whose values are ``ref`` objects.
"""


@dataclass(frozen=True)
class Prop:
    """One property of a compact object.

    Parameters
    ----------
    kind:
        See :data:`Kind`.
    description:
        One or two sentences for the JSON Schema and the property tables.
    required:
        Whether the object needs it.
    default:
        What the macro uses without it, as documented (``None``: nothing).
    minimum, maximum, exclusive_minimum:
        Range of a number or integer (``exclusive_minimum``: strictly above ``minimum``).
    enum:
        Allowed values (strings for ``string``, numbers for ``integer``).
    pattern, pattern_error:
        A regular expression a known string must match, and the reason when it does not
        (``{value}`` is replaced by the value shown).
    max_length:
        Longest string.
    ref:
        Name of the nested :class:`Obj` (``object``, ``keyed``).
    items, min_items, max_items:
        An array's item and its length bounds.
    keys:
        The keys of a ``keyed`` object.
    literal:
        The value must be known at expansion time (a literal, or a ``Ref`` to a parameter with a
        value); the JSON Schema then accepts no intrinsic function.
    conditional:
        The value may be ``!If [Condition, {...}, !Ref AWS::NoValue]`` (the generated resources
        then carry the condition).
    json:
        JSON Schema of a ``json`` value.
    source:
        Where the constraint comes from (API reference page), for the reader of this declaration.
    """

    kind: Kind
    description: str
    required: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    pattern_error: str = "{value} does not match {pattern}"
    max_length: int | None = None
    ref: str | None = None
    items: Prop | None = None
    min_items: int | None = None
    max_items: int | None = None
    keys: tuple[str, ...] = ()
    literal: bool = False
    conditional: bool = False
    json: Mapping[str, Any] | None = None
    source: str = ""

    def check(
        self,
        scope: Scope,
        value: Any,
        path: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> Any:
        """Validate ``value`` at ``path``; return it read (int, float, bool, str, list) or None if unknown.

        ``minimum``/``maximum`` override the declared range (a :class:`When` rule's range).

        Raises
        ------
        MacroError
            When the value is not allowed (the message names ``path`` and what is allowed).
        """
        low = self.minimum if minimum is None else minimum
        high = self.maximum if maximum is None else maximum
        if self.kind == "integer":
            number = scope.integer(
                value,
                path,
                None if low is None else int(low),
                None if high is None else int(high),
                literal=self.literal,
            )
            if number is not None and self.enum is not None and number not in self.enum:
                raise scope.error(path, f"must be one of {', '.join(map(str, self.enum))}, got {number}")
            return number
        if self.kind == "number":
            return scope.number(
                value, path, low, high, literal=self.literal, exclusive_minimum=self.exclusive_minimum
            )
        if self.kind == "boolean":
            return scope.boolean(value, path)
        if self.kind == "string":
            if self.enum is not None:
                return scope.choice(value, path, self.enum)
            text = scope.string(value, path, literal=self.literal)
            if text is not None and self.pattern is not None and not re.match(self.pattern, text):
                raise scope.error(path, self.pattern_error.format(value=show(text), pattern=self.pattern))
            return text
        if self.kind == "array":
            if is_intrinsic(value) and not self.literal:
                return None
            items = scope.sequence(value, path, self.min_items or 0, self.max_items)
            if self.items is not None:
                for index, item in enumerate(items):
                    self.items.check(scope, item, join_path(path, index))
            return items
        return value  # object, keyed, json, tags, size: read by the part that owns them


@dataclass(frozen=True)
class When:
    """A rule of an object: when ``key`` is ``value``, ``ranges`` override properties' ranges.

    Rendered as JSON Schema ``if``/``then``; the macro reads it with :meth:`Obj.range`.
    """

    key: str
    value: Any
    ranges: Mapping[str, tuple[float, float]]
    source: str = ""


@dataclass(frozen=True)
class Obj:
    """A compact object: its properties in their documented order, and its rules.

    Parameters
    ----------
    name:
        Its definition name in the JSON Schema (``Variant``, ``AutoScaling``, ...).
    title:
        Its heading in the documentation (``Variants[i]``).
    description:
        What it is.
    props:
        Property name -> :class:`Prop`, in the order error messages and tables list them.
    rules:
        :class:`When` rules.
    shorthand:
        A property the whole object may be replaced with (an alarm's ``Threshold``).
    """

    name: str
    title: str
    description: str
    props: Mapping[str, Prop]
    rules: tuple[When, ...] = ()
    shorthand: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The accepted keys, in order."""
        return tuple(self.props)

    @property
    def required(self) -> tuple[str, ...]:
        """The required keys, in order."""
        return tuple(key for key, prop in self.props.items() if prop.required)

    def mapping(self, scope: Scope, value: Any, path: str) -> Mapping[str, Any]:
        """Check that ``value`` is this object: a mapping of its keys with the required ones."""
        return scope.mapping(value, path, self.keys, self.required)

    def range(self, key: str, config: Mapping[str, Any]) -> tuple[float | None, float | None]:
        """The range of ``key`` in ``config``, after the rules that apply to it."""
        prop = self.props[key]
        for rule in self.rules:
            if key in rule.ranges and config.get(rule.key) == rule.value:
                return rule.ranges[key]
        return prop.minimum, prop.maximum

    def read(self, scope: Scope, config: Mapping[str, Any], key: str, path: str, *, value: Any = None) -> Any:
        """Validate ``config[key]`` (or ``value``, e.g. its default) as declared; see :meth:`Prop.check`."""
        low, high = self.range(key, config)
        item = config[key] if value is None else value
        return self.props[key].check(scope, item, join_path(path, key), minimum=low, maximum=high)
