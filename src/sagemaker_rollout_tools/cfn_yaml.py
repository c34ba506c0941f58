"""CloudFormation YAML: load short-form tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...) as long form, dump.

CloudFormation YAML differs from plain YAML in three ways this module handles:

* short-form intrinsic tags become their long form (``!Ref X`` -> ``{"Ref": "X"}``,
  ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` -> ``{"Fn::Sub": "s"}``);
* timestamps are not a type: ``2010-09-09`` stays the string it is;
* duplicate mapping keys are an error (CloudFormation refuses them).

Dumping writes block-style YAML in the long form, keeping key order, so that the same data gives
byte-identical text.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

__all__ = ["CfnYamlError", "dump", "dumps_json", "load"]

_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "If",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "ToJsonString",
    "ForEach",
)


class CfnYamlError(ValueError):
    """The text is not a valid CloudFormation YAML document.

    ``str(err)`` is one line: ``<source>, line <n>, column <c>: <problem>`` (without a source:
    ``line <n>, column <c>: <problem>``, for callers that prefix the file name themselves);
    ``line`` and ``column`` (1-based, 0 when unknown) are attributes too.

    Parameters
    ----------
    reason:
        What is wrong.
    line, column:
        Where (1-based); 0 when unknown.
    source:
        The file name, or empty.
    """

    def __init__(self, reason: str, line: int = 0, column: int = 0, source: str = "") -> None:
        self.reason = reason
        self.line = line
        self.column = column
        self.source = source
        parts = [source] if source else []
        if line:
            parts.append(f"line {line}" + (f", column {column}" if column else ""))
        super().__init__(f"{', '.join(parts)}: {reason}" if parts else reason)

    def located(self, source: str) -> CfnYamlError:
        """The same error attributed to ``source`` (a file name)."""
        return CfnYamlError(self.reason, self.line, self.column, source)


class _Loader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """SafeLoader without timestamps, with CloudFormation tags and duplicate-key detection."""


# Drop the implicit timestamp resolver: CloudFormation reads ``2010-09-09`` as a string.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise CfnYamlError(
                f"duplicate key {key!r}", key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_node(loader: _Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    raise CfnYamlError("unsupported node", node.start_mark.line + 1)  # pragma: no cover


def _construct_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt":
        if isinstance(value, str):
            resource, sep, attribute = value.partition(".")
            if not sep:
                raise CfnYamlError(
                    f"!GetAtt {value!r}: expected LogicalId.Attribute", node.start_mark.line + 1
                )
            return {"Fn::GetAtt": [resource, attribute]}
        return {"Fn::GetAtt": value}
    if tag_suffix in _FN_TAGS:
        return {f"Fn::{tag_suffix}": value}
    raise CfnYamlError(f"unknown tag !{tag_suffix}", node.start_mark.line + 1, node.start_mark.column + 1)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_multi_constructor("!", _construct_tag)


def load(text: str, source: str = "") -> Any:
    """Parse CloudFormation YAML (or JSON) text into plain Python data in the long form.

    Parameters
    ----------
    text:
        The template text.
    source:
        Name used in error messages (the file name); without it messages start at the line.

    Returns
    -------
    Any
        Dicts, lists, strings, numbers, booleans and ``None``.

    Raises
    ------
    CfnYamlError
        On a syntax error, an unknown ``!Tag`` or a duplicate key.
    """
    try:
        return yaml.load(text, Loader=_Loader)  # nosec B506 - _Loader derives from SafeLoader
    except CfnYamlError as err:
        raise err.located(source) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = " ".join(str(err.problem or err.context or "invalid YAML").split())
        if err.context and err.problem:
            reason += f" ({' '.join(str(err.context).split())})"
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise CfnYamlError(reason, line, column, source) from err
    except yaml.YAMLError as err:  # pragma: no cover - every PyYAML parse error is marked
        raise CfnYamlError(" ".join(str(err).split()), source=source) from err
    except RecursionError:
        raise CfnYamlError("nested too deeply (deeper than Python's recursion limit)", source=source) from (
            None
        )


class _Dumper(yaml.SafeDumper):  # type: ignore[misc,unused-ignore]
    """Block-style dumper that indents lists under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        """Never write anchors and aliases: every object is written out in full."""
        return True


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """Write data as block-style YAML in the long form, keeping key order.

    Parameters
    ----------
    data:
        Plain data as returned by :func:`load` or by the macro.

    Returns
    -------
    str
        The YAML text (deterministic: equal data gives byte-identical text).
    """
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
    )
    return text


def dumps_json(data: Any) -> str:
    """Write data as compact, key-sorted JSON (for hashing and byte-level comparisons)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
