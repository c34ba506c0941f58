"""A small CloudFormation intrinsic-function resolver, for the demo's stack and ``plan``.

It resolves what a rendered template needs locally: ``Ref`` (parameters, pseudo parameters,
resources already "deployed"), ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``,
``Fn::Split``, ``Fn::If`` and the condition functions, ``Fn::FindInMap``, ``Fn::ImportValue``,
``Fn::Base64`` and ``Fn::GetAZs``. In placeholder mode (``plan``), what cannot be known before a
deployment (a model's generated name) stays an intrinsic function (``{"Fn::GetAtt": [...]}``, so
that validation tolerates it) or, inside a string, becomes a readable placeholder such as
``<ModelA.ModelName>``; :func:`with_placeholders` turns the remaining functions into placeholders.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NO_VALUE",
    "Missing",
    "Resolver",
    "UnresolvableError",
    "parameter_values",
    "placeholder_text",
    "with_placeholders",
]

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnresolvableError(ValueError):
    """A value cannot be resolved locally; ``str()`` names the path and what is missing."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
"""``Ref: AWS::NoValue``: the key or list item holding it is removed."""


class Missing:
    """The value of a parameter that has neither a given value nor a default (``plan``).

    Inside a string it reads ``<Name>``; a condition or a function that needs the value raises
    :class:`UnresolvableError` naming the parameter, so nothing is decided on a guess.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Missing) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("Missing", self.name))


def _needs(value: Any, path: str) -> None:
    if isinstance(value, Missing):
        raise UnresolvableError(
            f"{path}: depends on parameter {value.name}, which has no value; pass -p {value.name}=VALUE, "
            "--parameters FILE or samconfig.toml parameter_overrides"
        )


def placeholder_text(node: Mapping[str, Any]) -> str:
    """``{"Fn::GetAtt": ["ModelA", "ModelName"]}`` -> ``<ModelA.ModelName>`` (and Ref, ImportValue)."""
    ((key, value),) = node.items()
    if key == "Fn::GetAtt":
        parts = value if isinstance(value, list) else str(value).split(".", 1)
        return f"<{'.'.join(str(p) for p in parts)}>"
    if key == "Fn::ImportValue":
        return f"<import:{value}>"
    return f"<{value}>" if key == "Ref" else f"<{key}>"


def with_placeholders(node: Any) -> Any:
    """Replace every intrinsic function left in ``node`` by its placeholder text."""
    if isinstance(node, list):
        return [with_placeholders(item) for item in node]
    if isinstance(node, Mapping):
        if len(node) == 1 and (next(iter(node)) == "Ref" or str(next(iter(node))).startswith("Fn::")):
            return placeholder_text(node)
        return {key: with_placeholders(value) for key, value in node.items()}
    return node


def parameter_values(
    template: Mapping[str, Any], given: Mapping[str, str], *, allow_missing: bool = False
) -> dict[str, Any]:
    """Parameter values: ``given`` over each parameter's ``Default``; lists split for list types.

    Parameters
    ----------
    allow_missing:
        A parameter with neither a value nor a default becomes :class:`Missing` instead of an
        error (``plan`` fails only if what it plans depends on one).

    Raises
    ------
    UnresolvableError
        A parameter has neither a value nor a default (unless ``allow_missing``), or a value names
        no parameter.
    """
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UnresolvableError(
            f"--parameter {unknown[0]}: the template has no such parameter "
            f"(it has {', '.join(sorted(declared)) or 'none'})"
        )
    values: dict[str, Any] = {}
    missing = [
        name
        for name, spec in declared.items()
        if name not in given and not (isinstance(spec, Mapping) and "Default" in spec)
    ]
    if allow_missing:
        missing = []
    if len(missing) == 1:
        raise UnresolvableError(
            f"Parameters.{missing[0]}: has no Default; pass --parameter {missing[0]}=VALUE"
        )
    if missing:
        raise UnresolvableError(
            f"Parameters {', '.join(missing)}: have no Default; pass "
            + " ".join(f"--parameter {name}=VALUE" for name in missing)
        )
    for name, spec in declared.items():
        spec = spec if isinstance(spec, Mapping) else {}
        if name not in given and "Default" not in spec:
            values[name] = Missing(str(name))
            continue
        raw: Any = given[name] if name in given else spec["Default"]
        kind = str(spec.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = (
                [part.strip() for part in str(raw).split(",")] if not isinstance(raw, list) else raw
            )
        else:
            values[name] = raw if isinstance(raw, str) else str(raw) if not isinstance(raw, bool) else raw
    return values


@dataclass
class Resolver:
    """Resolve intrinsic functions of one template.

    Parameters
    ----------
    template:
        The rendered template (long-form intrinsics).
    parameters:
        Parameter values (see :func:`parameter_values`).
    stack_name, region, account_id:
        Pseudo parameters.
    exports:
        ``Fn::ImportValue`` name -> value; or a callable returning the value or None.
    placeholders:
        Unknown resources and imports stay intrinsic functions (``<Id.Attr>`` placeholders inside
        strings) instead of raising.

    Attributes
    ----------
    refs:
        Logical id -> value of ``Ref`` for resources that exist.
    attributes:
        Logical id -> {attribute: value} for ``Fn::GetAtt``.
    opaque_attribute:
        ``(logical id, attribute) -> value`` for resources whose attributes are not known but stand
        in for real ones (the demo's resources it does not simulate); None when not such a resource.
    """

    template: Mapping[str, Any]
    parameters: Mapping[str, Any]
    stack_name: str = "sagemaker-rollout-demo"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    exports: Mapping[str, Any] | Callable[[str], Any] = field(default_factory=dict)
    placeholders: bool = False
    stack_id: str | None = None
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    opaque_attribute: Callable[[str, str], Any] | None = None

    # ---- pseudo parameters and conditions ------------------------------------------------------
    def pseudo(self) -> dict[str, Any]:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        return {
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id
            or f"arn:{partition}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/demo",
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }

    def condition(self, name: str, path: str = "Conditions") -> bool:
        """Evaluate the template condition ``name``."""
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise UnresolvableError(f"{path}: condition {name!r} is not defined in Conditions")
        value = self.resolve(conditions[name], f"Conditions.{name}")
        if not isinstance(value, bool):
            raise UnresolvableError(f"Conditions.{name}: does not evaluate to true or false")
        return value

    def active(self, resource: Mapping[str, Any], logical_id: str) -> bool:
        """Whether a resource is created (its ``Condition``, if any, holds)."""
        name = resource.get("Condition")
        return True if name is None else self.condition(str(name), f"Resources.{logical_id}.Condition")

    # ---- resolution ----------------------------------------------------------------------------
    def resolve(self, node: Any, path: str = "") -> Any:
        """Return ``node`` with every intrinsic function replaced by its value."""
        if isinstance(node, list):
            items = [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(node)]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref" or key == "Condition" or str(key).startswith("Fn::"):
                return self._function(str(key), value, path)
        result = {}
        for key, value in node.items():
            resolved = self.resolve(value, f"{path}.{key}" if path else str(key))
            if resolved is not NO_VALUE:
                result[key] = resolved
        return result

    def _function(self, name: str, value: Any, path: str) -> Any:
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise UnresolvableError(f"{path}: {name} is not supported locally")
        return handler(self, value, f"{path}.{name}" if path else name)

    def ref(self, name: str, path: str) -> Any:
        pseudo = self.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        resources = self.template.get("Resources") or {}
        if name in resources:
            if self.placeholders:
                return {"Ref": name}
            raise UnresolvableError(f"{path}: resource {name} does not exist yet")
        raise UnresolvableError(f"{path}: {name} is neither a parameter nor a resource of the template")

    def get_att(self, logical_id: str, attribute: str, path: str) -> Any:
        known = self.attributes.get(logical_id)
        if known is not None and attribute in known:
            return known[attribute]
        if self.opaque_attribute is not None:
            stand_in = self.opaque_attribute(logical_id, attribute)
            if stand_in is not None:
                return stand_in
        resources = self.template.get("Resources") or {}
        if logical_id not in resources:
            raise UnresolvableError(f"{path}: {logical_id} is not a resource of the template")
        if self.placeholders:
            return {"Fn::GetAtt": [logical_id, attribute]}
        if known is None:
            raise UnresolvableError(f"{path}: resource {logical_id} does not exist yet")
        raise UnresolvableError(
            f"{path}: {logical_id} has no attribute {attribute} here "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )

    def import_value(self, name: str, path: str) -> Any:
        found = self.exports(name) if callable(self.exports) else self.exports.get(name)
        if found is not None:
            return found
        if self.placeholders:
            return {"Fn::ImportValue": name}
        raise UnresolvableError(f"{path}: no export named {name!r}")

    def text(self, value: Any, path: str) -> str:
        resolved = self.resolve(value, path)
        _needs(resolved, path)
        if isinstance(resolved, Mapping) and len(resolved) == 1 and self.placeholders:
            return placeholder_text(resolved)
        if isinstance(resolved, bool):
            return "true" if resolved else "false"
        if isinstance(resolved, int | float | str):
            return str(resolved)
        raise UnresolvableError(f"{path}: expected a string, got {type(resolved).__name__}")


# ---- the functions -------------------------------------------------------------------------------


def _ref(r: Resolver, value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise UnresolvableError(f"{path}: expects a logical id or parameter name")
    return r.ref(value, path)


def _get_att(r: Resolver, value: Any, path: str) -> Any:
    if isinstance(value, str):
        value = value.split(".", 1)
    if not (isinstance(value, list) and len(value) == 2):
        raise UnresolvableError(f"{path}: expects [LogicalId, Attribute]")
    attribute = r.text(value[1], path)
    return r.get_att(str(value[0]), attribute, path)


def _sub(r: Resolver, value: Any, path: str) -> str:
    if isinstance(value, str):
        text, variables = value, {}
    elif (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], Mapping)
    ):
        text, variables = value[0], {k: r.resolve(v, f"{path}.{k}") for k, v in value[1].items()}
    else:
        raise UnresolvableError(f"{path}: expects a string or [string, {{variables}}]")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return _as_text(variables[name], path)
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return _as_text(r.get_att(logical_id, attribute, path), path)
        return _as_text(r.ref(name, path), path)

    return _SUB_VARIABLE.sub(replace, text)


def _as_text(value: Any, path: str) -> str:
    if isinstance(value, Missing):
        return repr(value)
    if isinstance(value, Mapping) and len(value) == 1:
        return placeholder_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise UnresolvableError(f"{path}: a list or object cannot be substituted into a string")


def _join(r: Resolver, value: Any, path: str) -> str:
    if not (isinstance(value, list) and len(value) == 2):
        raise UnresolvableError(f"{path}: expects [delimiter, [values]]")
    delimiter = r.text(value[0], path)
    items = r.resolve(value[1], path)
    _needs(items, path)
    if not isinstance(items, list):
        raise UnresolvableError(f"{path}: the values must be a list")
    return delimiter.join(_as_text(item, path) for item in items)


def _select(r: Resolver, value: Any, path: str) -> Any:
    if not (isinstance(value, list) and len(value) == 2):
        raise UnresolvableError(f"{path}: expects [index, [values]]")
    index = int(r.text(value[0], path))
    items = r.resolve(value[1], path)
    _needs(items, path)
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise UnresolvableError(f"{path}: index {index} is out of range")
    return items[index]


def _split(r: Resolver, value: Any, path: str) -> list[str]:
    if not (isinstance(value, list) and len(value) == 2):
        raise UnresolvableError(f"{path}: expects [delimiter, string]")
    return r.text(value[1], path).split(r.text(value[0], path))


def _if(r: Resolver, value: Any, path: str) -> Any:
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)):
        raise UnresolvableError(f"{path}: expects [condition, value if true, value if false]")
    chosen = value[1] if r.condition(value[0], path) else value[2]
    return r.resolve(chosen, path)


def _bools(r: Resolver, value: Any, path: str) -> list[bool]:
    if not isinstance(value, list):
        raise UnresolvableError(f"{path}: expects a list of conditions")
    result = []
    for item in value:
        resolved = r.resolve(item, path)
        _needs(resolved, path)
        if not isinstance(resolved, bool):
            raise UnresolvableError(f"{path}: {resolved!r} is not true or false")
        result.append(resolved)
    return result


def _equals(r: Resolver, value: Any, path: str) -> bool:
    if not (isinstance(value, list) and len(value) == 2):
        raise UnresolvableError(f"{path}: expects [a, b]")
    a, b = (r.resolve(item, path) for item in value)
    _needs(a, path)
    _needs(b, path)
    return bool(_as_comparable(a) == _as_comparable(b))


def _as_comparable(value: Any) -> Any:
    return _as_text(value, "") if isinstance(value, int | float | bool) else value


def _condition(r: Resolver, value: Any, path: str) -> bool:
    return r.condition(str(value), path)


def _find_in_map(r: Resolver, value: Any, path: str) -> Any:
    if not (isinstance(value, list) and len(value) == 3):
        raise UnresolvableError(f"{path}: expects [map, top-level key, second-level key]")
    name, top, second = (r.text(item, path) for item in value)
    try:
        return (r.template.get("Mappings") or {})[name][top][second]
    except (KeyError, TypeError):
        raise UnresolvableError(f"{path}: Mappings.{name}.{top}.{second} does not exist") from None


def _import(r: Resolver, value: Any, path: str) -> Any:
    return r.import_value(r.text(value, path), path)


def _base64(r: Resolver, value: Any, path: str) -> str:
    return base64.b64encode(r.text(value, path).encode()).decode()


def _get_azs(r: Resolver, value: Any, path: str) -> list[str]:
    region = r.text(value, path) or r.region
    return [f"{region}{suffix}" for suffix in "abc"]


_FUNCTIONS: dict[str, Callable[[Resolver, Any, str], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": lambda r, v, p: not _bools(r, v, p)[0],
    "Fn::And": lambda r, v, p: all(_bools(r, v, p)),
    "Fn::Or": lambda r, v, p: any(_bools(r, v, p)),
    "Condition": _condition,
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _import,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
}
