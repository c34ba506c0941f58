"""Dependency graph of a CloudFormation template (Ref, Fn::GetAtt, Fn::Sub, DependsOn) and cycles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dependency_graph", "find_cycle"]

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def dependency_graph(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """Map each resource's logical id to the resources it depends on.

    Parameters
    ----------
    template:
        A template in the long form (as loaded by :mod:`sagemaker_rollout_tools.cfn_yaml`).

    Returns
    -------
    dict
        Logical id -> logical ids of other resources it refers to (``Ref``, ``Fn::GetAtt``,
        variables of ``Fn::Sub`` not bound by its own mapping, ``DependsOn``).
    """
    resources = template.get("Resources") or {}
    names = set(resources)
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        found: set[str] = set()
        if isinstance(resource, Mapping):
            depends = resource.get("DependsOn")
            if isinstance(depends, str):
                found.add(depends)
            elif isinstance(depends, list):
                found.update(item for item in depends if isinstance(item, str))
            _collect(resource.get("Properties"), found)
        graph[logical_id] = {name for name in found if name in names}
    return graph


def _collect(node: Any, found: set[str], bound: frozenset[str] = frozenset()) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, found, bound)
        return
    if not isinstance(node, Mapping):
        return
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref" and isinstance(value, str):
            if value not in bound:
                found.add(value)
            return
        if key == "Fn::GetAtt":
            if isinstance(value, list) and value and isinstance(value[0], str):
                found.add(value[0])
            elif isinstance(value, str):
                found.add(value.split(".", 1)[0])
            _collect(value, found, bound)
            return
        if key == "Fn::Sub":
            # a string, or [string, {variables}]; anything else is malformed (CloudFormation refuses
            # it): its references are still collected, never a crash
            if isinstance(value, str):
                text, variables = value, {}
            elif isinstance(value, list) and len(value) == 2:
                text, variables = value[0], value[1]
            else:
                _collect(value, found, bound)
                return
            names = frozenset(variables) if isinstance(variables, Mapping) else frozenset()
            if isinstance(text, str):
                for match in _SUB_VARIABLE.finditer(text):
                    name = match.group(1).split(".", 1)[0]
                    if name not in names:
                        found.add(name)
            _collect(variables, found, bound)
            return
    for value in node.values():
        _collect(value, found, bound)


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """Return one dependency cycle (``[a, b, ..., a]``), or ``None`` if the graph is acyclic."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for start in sorted(graph):
        if colour[start] != white:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path = [start]
        colour[start] = grey
        while stack:
            node, pending = stack[-1]
            if not pending:
                colour[node] = black
                stack.pop()
                path.pop()
                continue
            nxt = pending.pop(0)
            if colour.get(nxt, black) == grey:
                return [*path[path.index(nxt) :], nxt]
            if colour.get(nxt) == white:
                colour[nxt] = grey
                stack.append((nxt, sorted(graph[nxt])))
                path.append(nxt)
    return None
