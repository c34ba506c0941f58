"""Keep comment lines when a resource leaves a ruamel mapping.

ruamel.yaml attaches the comment lines *between* two resources to the last value of the first one
(``ca.items[last key][2]`` of the deepest mapping, ``[0]`` of a sequence): a comment that introduces
``Endpoint`` lives at the end of the resource written before it. Removing or moving that resource
would take the comment with it. :func:`detach_trailing` splits such a comment: the end-of-line part
stays with its value, the following lines are returned, and :func:`attach_trailing` puts them at
the end of another node (the resource now written before that place).
"""

from __future__ import annotations

from typing import Any

__all__ = ["attach_trailing", "detach_trailing"]


def _slots(node: Any) -> list[tuple[Any, Any, int]]:
    """Comment slots along the last path of ``node``, outermost first: (container, key, index)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    slots: list[tuple[Any, Any, int]] = []
    while True:
        if isinstance(node, CommentedMap) and len(node):
            key = list(node.keys())[-1]
            slots.append((node, key, 2))
            node = node[key]
        elif isinstance(node, CommentedSeq) and len(node):
            slots.append((node, len(node) - 1, 0))
            node = node[-1]
        else:
            return slots


def detach_trailing(node: Any) -> str:
    """Remove and return the whole comment lines that follow ``node`` (``""`` when none)."""
    for container, key, index in reversed(_slots(node)):
        entry = container.ca.items.get(key)
        token = entry[index] if entry and len(entry) > index else None
        if token is None:
            continue
        eol, newline, rest = str(token.value).partition("\n")
        token.value = eol + newline
        if not token.value.strip():
            entry[index] = None
        return rest
    return ""


def attach_trailing(node: Any, lines: str) -> None:
    """Make ``lines`` (from :func:`detach_trailing`) the comment lines that follow ``node``.

    The lines that followed ``node`` introduced the resource that was removed after it, so they
    are replaced; ``node``'s own end-of-line comment stays.
    """
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slots = _slots(node)
    if not slots:
        return
    for container, key, index in reversed(slots):
        entry = container.ca.items.get(key)
        token = entry[index] if entry and len(entry) > index else None
        if token is not None:
            eol = str(token.value).partition("\n")[0]
            token.value = eol + "\n" + lines
            return
    if not lines:
        return
    container, key, index = slots[-1]
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= index:
        entry.append(None)
    entry[index] = CommentToken("\n" + lines, CommentMark(0), None)
