"""Write an edited template back by changing only the text that changed (a round-trip editor).

``migrate`` edits a template's data (ruamel.yaml's round-trip nodes for YAML, dicts for JSON);
this module turns the edited data back into text by comparing it with the text it was read from,
node by node, and rewriting only the nodes that differ:

* a node whose value did not change keeps its text, byte for byte (comments, quoting, flow or
  block style, indentation, blank lines);
* a mapping that gained a key gets the new entry's lines after the entry before it (or in place of
  the entry it replaces, :meth:`~.document.Document.place_instead`), written in the document's
  indentation; a removed entry loses its lines (and the comment lines directly above it);
* a node that moved (a config's ``ProductionVariants`` into the new resource) is copied with its
  original text, re-indented to its new place;
* anything else that changed is written anew in the document's style.

Every output is checked: it must parse to the edited data. Where it does not (a shape the editor
does not handle), the caller writes the whole document instead (:class:`EditorError`).

The previous writer dumped the whole document with ruamel.yaml, which re-flowed every line it
could not reproduce (60 changed lines to add 4 on a real template) and, on comments it had moved
between nodes, crashed in ruamel's comment merging (``'CommentMark' object has no attribute
'line'``: a moved comment token without a line is compared with a parsed one). This editor never
asks ruamel to write a document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EditorError", "Entry", "Span", "json_spans", "same", "write_json", "write_yaml", "yaml_spans"]


class EditorError(Exception):
    """The edited data cannot be written in place (the caller writes the whole document)."""


@dataclass
class Entry:
    """A mapping entry: its key's text range and its value."""

    key: str
    key_start: int
    key_end: int
    value: Span


@dataclass
class Span:
    """Where a node of the original text is, and what it was.

    Attributes
    ----------
    kind:
        ``map``, ``seq`` or ``scalar``.
    start, end:
        Offsets of the node's first character (its tag, if any) and just after its last content
        character (trailing blank lines and comments excluded).
    column:
        Column of ``start``.
    owner:
        Column of the key or dash that owns the node (YAML; the root: 0).
    flow:
        Flow style (``{...}``, ``[...]``), or a scalar (JSON: always).
    tag:
        The short-form tag (``!Ref``), or None.
    plain:
        The node as plain data before any edit.
    """

    kind: str
    start: int
    end: int
    column: int
    owner: int
    flow: bool
    tag: str | None
    plain: Any
    entries: list[Entry] = field(default_factory=list)
    items: list[Span] = field(default_factory=list)
    #: For a mapping value: its key, and the comment lines directly above the key (they go where
    #: the entry goes).
    key: str | None = None
    key_comments: list[str] = field(default_factory=list)
    #: The end-of-line comment of the key's line when the value starts below it (``"  # note"``),
    #: and the comment lines between that line and the value's.
    key_eol: str = ""
    key_lead: list[str] = field(default_factory=list)
    #: The end-of-line comment after the node's last character (``"   # note"``), or empty.
    tail: str = ""


# -- reading: spans from the original text -------------------------------------------------------


def _short_tag(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    if isinstance(value, str) and value.startswith("!") and not value.startswith("!!"):
        return value
    return None


def yaml_spans(text: str, data: Any, plain: Callable[[Any], Any]) -> tuple[Span, dict[int, Span]]:
    """The spans of a YAML document, paired with its loaded round-trip ``data``.

    Returns the root span and ``id(data node) -> span`` for every container and tagged node
    (the nodes a stage may move elsewhere).

    Raises
    ------
    EditorError
        The composed nodes and the data do not pair up (merge keys, aliases).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    node = YAML(typ="rt").compose(text)
    origin: dict[int, Span] = {}

    def dash_column(item: Any) -> int:
        index = int(item.start_mark.index) - 1
        while index >= 0 and text[index] == " ":
            index -= 1
        if index >= 0 and text[index] == "-":
            return index - (text.rfind("\n", 0, index) + 1)
        return int(item.start_mark.column)

    def build(node: Any, data: Any, owner: int) -> Span:
        start = int(node.start_mark.index)
        column = int(node.start_mark.column)
        tag = _short_tag(node)
        if isinstance(node, MappingNode):
            if not isinstance(data, Mapping) or len(node.value) != len(data):
                raise EditorError("a mapping's keys do not pair with its data (merge keys?)")
            entries = []
            for (key_node, value_node), key in zip(node.value, data.keys(), strict=True):
                value = build(value_node, data[key], int(key_node.start_mark.column))
                value.key = str(key)
                value.key_comments = _comments_above(text, int(key_node.start_mark.index))
                key_line_end = text.find("\n", int(key_node.end_mark.index))
                if 0 <= key_line_end < value.start:
                    after = text[int(key_node.end_mark.index) : key_line_end].lstrip().removeprefix(":")
                    if after.strip().startswith("#"):
                        value.key_eol = after.rstrip()
                    between = text[key_line_end + 1 : text.rfind("\n", 0, value.start) + 1].split("\n")[:-1]
                    if all(not line.strip() or line.strip().startswith("#") for line in between):
                        value.key_lead = between
                entries.append(Entry(str(key), key_node.start_mark.index, key_node.end_mark.index, value))
            flow = bool(node.flow_style) or not entries
            end = int(node.end_mark.index) if flow else entries[-1].value.end
            value_plain = plain(data) if tag else {e.key: e.value.plain for e in entries}
            span = Span("map", start, end, column, owner, flow, tag, value_plain, entries=entries)
        elif isinstance(node, SequenceNode):
            if not isinstance(data, list) or len(node.value) != len(data):
                raise EditorError("a sequence does not pair with its data")
            items = [
                build(item, value, dash_column(item)) for item, value in zip(node.value, data, strict=True)
            ]
            flow = bool(node.flow_style) or not items
            end = int(node.end_mark.index) if flow else items[-1].end
            value_plain = plain(data) if tag else [item.plain for item in items]
            span = Span("seq", start, end, column, owner, flow, tag, value_plain, items=items)
        else:
            end = int(node.end_mark.index)
            if getattr(node, "style", None) in ("|", ">"):
                end = start + len(text[start:end].rstrip())
            span = Span("scalar", start, end, column, owner, True, tag, plain(data))
        line_end = text.find("\n", span.end)
        tail = text[span.end : line_end if line_end >= 0 else len(text)]
        if tail.strip().startswith("#"):
            span.tail = tail.rstrip()
        if isinstance(data, Mapping | list) or tag is not None:
            origin[id(data)] = span
        return span

    if node is None:
        raise EditorError("empty document")
    return build(node, data, 0), origin


def _comments_above(text: str, key_start: int) -> list[str]:
    """The comment lines directly above the line of a key (no blank line between), top first."""
    line_start = text.rfind("\n", 0, key_start) + 1
    if text[line_start:key_start].strip():
        return []
    lines: list[str] = []
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if not line.strip().startswith("#"):
            break
        lines.insert(0, line)
        end = start - 1
    return lines


_WHITESPACE = " \t\n\r"
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def json_spans(text: str, data: Any) -> tuple[Span, dict[int, Span]]:
    """The spans of a JSON document (already known to be valid JSON), paired with ``data``."""
    decoder = json.JSONDecoder()
    origin: dict[int, Span] = {}

    def skip(index: int) -> int:
        while index < len(text) and text[index] in _WHITESPACE:
            index += 1
        return index

    def column(index: int) -> int:
        return index - (text.rfind("\n", 0, index) + 1)

    def value(index: int, data: Any) -> Span:
        index = skip(index)
        char = text[index]
        if char == "{":
            entries = []
            cursor = skip(index + 1)
            keys = list(data.keys())
            position = 0
            while text[cursor] != "}":
                key, key_end = _scanstring(text, cursor + 1)
                colon = skip(key_end)
                member = value(colon + 1, data[key])
                if position >= len(keys) or keys[position] != key:
                    raise EditorError("a JSON object has a duplicate key")
                entries.append(Entry(key, cursor, key_end, member))
                position += 1
                cursor = skip(member.end)
                if text[cursor] == ",":
                    cursor = skip(cursor + 1)
            plain = {entry.key: entry.value.plain for entry in entries}
            span = Span("map", index, cursor + 1, column(index), 0, True, None, plain, entries=entries)
        elif char == "[":
            items = []
            cursor = skip(index + 1)
            position = 0
            while text[cursor] != "]":
                item = value(cursor, data[position])
                items.append(item)
                position += 1
                cursor = skip(item.end)
                if text[cursor] == ",":
                    cursor = skip(cursor + 1)
            span = Span(
                "seq", index, cursor + 1, column(index), 0, True, None, [i.plain for i in items], items=items
            )
        else:
            _, end = decoder.raw_decode(text, index)
            span = Span("scalar", index, end, column(index), 0, True, None, data)
        if isinstance(data, Mapping | list):
            origin[id(data)] = span
        return span

    root = value(0, data)
    return root, origin


# -- text helpers ----------------------------------------------------------------------------------


class _Text:
    """The original text, and the edits made to it (non-overlapping ranges)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def region_end(self, index: int) -> int:
        """Just after the line break ending the line of ``index`` (or the end of the text)."""
        newline = self.text.find("\n", index)
        return len(self.text) if newline < 0 else newline + 1

    def line_at(self, index: int) -> str:
        start = self.line_start(index)
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)]

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, text))

    def result(self) -> str:
        out = []
        position = 0
        for start, end, text in sorted(self.edits, key=lambda edit: (edit[0], edit[1])):
            if start < position:
                raise EditorError("overlapping edits")
            out.append(self.text[position:start])
            out.append(text)
            position = end
        out.append(self.text[position:])
        return "".join(out)


def _reindent(line: str, delta: int) -> str:
    if not line.strip():
        return line
    if delta >= 0:
        return " " * delta + line
    leading = len(line) - len(line.lstrip(" "))
    return line[min(-delta, leading) :]


# -- YAML ------------------------------------------------------------------------------------------

_PLAIN_FIRST = set("!&*?,[]{}#|>@`\"'%")
_FLOW_INDICATORS = set(",[]{}")


class _YamlWriter:
    """Edits for one YAML document (see the module docstring)."""

    def __init__(
        self,
        text: str,
        origin: Mapping[int, Span],
        plain: Callable[[Any], Any],
        *,
        mapping_indent: int,
        sequence_offset: int,
        placements: Mapping[tuple[str, ...], Mapping[str, str]],
    ) -> None:
        self.t = _Text(text)
        self.origin = origin
        self.plain = plain
        self.mapping_indent = mapping_indent
        self.sequence_offset = sequence_offset
        self.placements = placements

    # -- what may be copied -------------------------------------------------------------------

    def original(self, node: Any) -> Span | None:
        """The span of an unchanged original node (its text can be copied), else None."""
        span = self.origin.get(id(node))
        if span is not None and same(self.plain(node), span.plain):
            return span
        return None

    def span_text(self, span: Span) -> str:
        return self.t.text[span.start : span.end]

    # -- rendering new nodes ------------------------------------------------------------------

    def scalar(self, value: Any, *, flow: bool = False) -> str:
        from ruamel.yaml.scalarstring import (
            DoubleQuotedScalarString,
            ScalarString,
            SingleQuotedScalarString,
        )

        if value is None:
            return "null"
        if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
            return "true" if value else "false"
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, float):
            return repr(float(value))
        text = str(value)
        if isinstance(value, SingleQuotedScalarString) and "\n" not in text:
            return "'" + text.replace("'", "''") + "'"
        if isinstance(value, DoubleQuotedScalarString) or (isinstance(value, ScalarString) and "\n" in text):
            return json.dumps(text, ensure_ascii=False)
        if _plain_ok(text, flow=flow):
            return text
        if text.isprintable():
            return "'" + text.replace("'", "''") + "'"
        return json.dumps(text, ensure_ascii=False)

    def tagged_value(self, node: Any, *, flow: bool = False) -> str:
        """The value of a tagged scalar (``!Sub "${A}"``) in its own quoting style."""
        text = str(node.value)
        style = getattr(node, "style", None)
        if style == "'" and "\n" not in text:
            return "'" + text.replace("'", "''") + "'"
        if style == '"' or "\n" in text:
            return json.dumps(text, ensure_ascii=False)
        return self.scalar(node.value, flow=flow)

    def key(self, key: Any) -> str:
        return self.scalar(key)

    def flow(self, node: Any) -> str:
        span = self.original(node)
        if span is not None and "\n" not in self.span_text(span):
            return self.span_text(span)
        tag = _tag_of(node)
        if tag is not None and not isinstance(node, Mapping | list):
            return f"{tag} {self.tagged_value(node, flow=True)}"
        prefix = f"{tag} " if tag else ""
        if isinstance(node, Mapping):
            body = ", ".join(f"{self.key(k)}: {self.flow(v)}" for k, v in node.items())
            return prefix + "{" + body + "}"
        if isinstance(node, list):
            return prefix + "[" + ", ".join(self.flow(item) for item in node) + "]"
        return self.scalar(node, flow=True)

    def value(self, node: Any, owner: int) -> tuple[str, list[str]]:
        """``node`` as a value owned by a key (or dash) at column ``owner``: the text after the
        colon (with its space, or empty) and the lines below."""
        span = self.original(node)
        if span is not None:
            return self.copy(span, owner)
        tag = _tag_of(node)
        if not isinstance(node, Mapping | list):
            if tag is not None:
                return f" {tag} {self.tagged_value(node)}", []
            return " " + self.scalar(node), []
        if not node or _is_flow(node):
            return " " + self.flow(node), []
        inline = f" {tag}" if tag else ""
        if isinstance(node, Mapping):
            return inline, self.entries(node, owner + self.mapping_indent)
        return inline, self.items(node, owner + self.sequence_offset)

    def copy(self, span: Span, owner: int) -> tuple[str, list[str]]:
        """An unchanged node's own text at a new place (re-indented by the owners' difference)."""
        delta = owner - span.owner
        lines = (self.span_text(span) + span.tail).split("\n")
        if span.kind in ("map", "seq") and not span.flow and span.tag is None:
            column = span.column + delta
            first = " " * column + lines[0]
            return "", [first, *(_reindent(line, delta) for line in lines[1:])]
        return " " + lines[0], [_reindent(line, delta) for line in lines[1:]]

    def entry(self, key: Any, node: Any, column: int) -> list[str]:
        inline, lines = self.value(node, column)
        span = self.original(node)
        above: list[str] = []
        eol = ""
        lead: list[str] = []
        if span is not None and span.key == str(key):
            above = [_reindent(line, column - span.owner) for line in span.key_comments]
            if not inline:
                eol = span.key_eol
                lead = [_reindent(line, column - span.owner) for line in span.key_lead]
        return [*above, " " * column + self.key(key) + ":" + inline + eol, *lead, *lines]

    def entries(self, node: Mapping[Any, Any], column: int) -> list[str]:
        lines: list[str] = []
        for key, value in node.items():
            lines.extend(self.entry(key, value, column))
        return lines

    def item(self, node: Any, dash: int) -> list[str]:
        """A sequence item at dash column ``dash`` (a block mapping starts on the dash's line)."""
        span = self.original(node)
        block_map = isinstance(node, Mapping) and node and _tag_of(node) is None and not _is_flow(node)
        if span is not None:
            block_map = span.kind == "map" and not span.flow and span.tag is None
        if block_map:
            if span is not None:
                _, lines = self.copy(span, span.owner + (dash + 2 - span.column))
            else:
                lines = self.entries(node, dash + 2)
            lines[0] = " " * dash + "- " + lines[0][dash + 2 :]
            return lines
        inline, lines = self.value(node, dash)
        return [" " * dash + "-" + inline, *lines]

    def items(self, node: list[Any], dash: int) -> list[str]:
        lines: list[str] = []
        for item in node:
            lines.extend(self.item(item, dash))
        return lines

    # -- patching the original text ------------------------------------------------------------

    def patch(self, span: Span, node: Any, path: tuple[str, ...], anchor: int) -> None:
        """Make the text of ``span`` say ``node``; ``anchor``: the offset after its key's colon
        (or its dash), for a value that moves from the key's line to lines below or back."""
        if same(self.plain(node), span.plain):
            return
        tag = _tag_of(node)
        if span.kind == "map" and isinstance(node, Mapping) and tag == span.tag:
            if span.flow:
                if [e.key for e in span.entries] == [str(k) for k in node] and span.entries:
                    for entry, (key, value) in zip(span.entries, node.items(), strict=True):
                        self.patch(entry.value, value, (*path, str(key)), entry.key_end)
                    return
            elif self.patch_block_map(span, node, path):
                return
        if span.kind == "seq" and isinstance(node, list) and tag == span.tag:
            if len(span.items) == len(node) and span.items:
                for index, (item, value) in enumerate(zip(span.items, node, strict=True)):
                    self.patch(item, value, (*path, str(index)), item.start)
                return
            if not span.flow and self.patch_block_seq(span, node, path):
                return
        self.rewrite(span, node, anchor)

    def block_scalar(self, span: Span, node: Any) -> str | None:
        """A literal block scalar (``|``, ``|-``) whose text changed, written as a block again:
        its header and the indentation of its lines kept (``!Sub |`` with a name rewritten)."""
        if span.kind != "scalar" or _tag_of(node) != span.tag:
            return None
        value = node.value if span.tag is not None else node
        if not isinstance(value, str):
            return None
        original = self.span_text(span)
        header, newline, body = original.partition("\n")
        indicator = header[len(span.tag) :].strip() if span.tag else header.strip()
        if not newline or indicator not in ("|", "|-"):
            return None
        lines = [line for line in body.split("\n") if line.strip()]
        if not lines:
            return None
        indent = min(len(line) - len(line.lstrip(" ")) for line in lines)
        if indicator == "|":
            if not value.endswith("\n") or value.endswith("\n\n"):
                return None
            value = value[:-1]
        elif value.endswith("\n"):
            return None
        content = [(" " * indent + line) if line else "" for line in value.split("\n")]
        return header + "\n" + "\n".join(content)

    def rewrite(self, span: Span, node: Any, anchor: int) -> None:
        """Replace the node's text with ``node`` written anew."""
        text = self.t.text
        block = self.block_scalar(span, node)
        if block is not None:
            self.t.replace(span.start, span.end, block)
            return
        own_line = span.kind in ("map", "seq") and not span.flow and span.tag is None
        if own_line and text[self.t.line_start(span.start) : span.start].strip() == "":
            # a block collection on lines of its own: keep its column
            if isinstance(node, Mapping) and node and _tag_of(node) is None and not _is_flow(node):
                lines = self.entries(node, span.column)
            elif isinstance(node, list) and node and _tag_of(node) is None and not _is_flow(node):
                lines = self.items(node, span.column)
            else:
                inline, lines = self.value(node, span.owner)
                start = anchor
                while start < len(text) and text[start] == ":":
                    start += 1
                self.t.replace(start, span.end, inline + "".join("\n" + line for line in lines))
                return
            self.t.replace(self.t.line_start(span.start), span.end, "\n".join(lines))
            return
        if text[self.t.line_start(span.start) : span.start].strip().startswith("-") and (
            isinstance(node, Mapping) and node and _tag_of(node) is None and not _is_flow(node)
        ):
            # a sequence item written as a block mapping: its first entry on the dash's line
            dash = span.owner
            lines = self.item(node, dash)
            self.t.replace(span.start, span.end, "\n".join([lines[0][dash + 2 :], *lines[1:]]))
            return
        inline, lines = self.value(node, span.owner)
        start = span.start
        if not inline:
            while start > 0 and text[start - 1] == " ":
                start -= 1
        replacement = inline.lstrip(" ") if inline and start == span.start else inline
        self.t.replace(start, span.end, replacement + "".join("\n" + line for line in lines))

    def comment_start(self, key_start: int, column: int) -> int:
        """The start of the comment lines directly above a key (at its column), else its line."""
        start = self.t.line_start(key_start)
        while start > 0:
            previous = self.t.line_start(start - 1)
            line = self.t.text[previous : start - 1]
            if line.strip().startswith("#") and len(line) - len(line.lstrip(" ")) == column:
                start = previous
            else:
                break
        return start

    def remove_region(self, start: int, end: int, *, first: bool = False) -> tuple[int, int]:
        """A region to delete, with the blank line after it when one is before it too (or it is
        the first entry left of its mapping)."""
        text = self.t.text
        before_blank = first or start == 0 or text[start - 2 : start] == "\n\n"
        after = text[end : self.t.region_end(end)] if end < len(text) else ""
        if before_blank and after.strip() == "" and after:
            end = self.t.region_end(end)
        return start, end

    def patch_block_map(self, span: Span, node: Mapping[Any, Any], path: tuple[str, ...]) -> bool:
        text = self.t.text
        old = {entry.key: entry for entry in span.entries}
        new_keys = [str(key) for key in node]
        placed = dict(self.placements.get(path, {}))
        replaced = {old_key: new_key for new_key, old_key in placed.items() if new_key in new_keys}
        kept = [key for key in new_keys if key in old]
        if kept != [entry.key for entry in span.entries if entry.key in new_keys]:
            return False
        if not kept and not any(placed.get(key) in old for key in new_keys):
            return False
        first = span.entries[0]
        first_inline = text[self.t.line_start(first.key_start) : first.key_start].strip() != ""
        column = span.column
        pending: list[str] = []
        cursor = -1 if first_inline else self.t.line_start(first.key_start)

        def flush() -> None:
            if not pending:
                return
            if cursor < 0:
                raise EditorError("a new key before the first key of a mapping in a sequence item")
            prefix = "" if cursor == 0 or text[cursor - 1] == "\n" else "\n"
            suffix = "\n" if cursor < len(text) or text.endswith("\n") else ""
            self.t.replace(cursor, cursor, prefix + "\n".join(pending) + suffix)
            pending.clear()

        for key, value in zip(new_keys, node.values(), strict=True):
            if key in old:
                flush()
                entry = old[key]
                self.patch(entry.value, value, (*path, key), entry.key_end)
                cursor = self.t.region_end(entry.value.end)
            elif key in placed and placed[key] in old and placed[key] not in new_keys:
                flush()
                entry = old[placed[key]]
                if text[self.t.line_start(entry.key_start) : entry.key_start].strip():
                    raise EditorError("a replaced key shares its line")
                end = self.t.region_end(entry.value.end)
                lines = self.entry(key, value, column)
                tail = "\n" if end > entry.value.end and text[end - 1] == "\n" else ""
                self.t.replace(self.t.line_start(entry.key_start), end, "\n".join(lines) + tail)
                cursor = end
            else:
                pending.extend(self.entry(key, value, column))
        flush()
        at_start = True
        for entry in span.entries:
            if entry.key in new_keys or entry.key in replaced:
                at_start = False
                continue
            if text[self.t.line_start(entry.key_start) : entry.key_start].strip():
                raise EditorError("a removed key shares its line")
            start, end = self.remove_region(
                self.comment_start(entry.key_start, column),
                self.t.region_end(entry.value.end),
                first=at_start,
            )
            self.t.replace(start, end, "")
        return True

    def patch_block_seq(self, span: Span, node: list[Any], path: tuple[str, ...]) -> bool:
        old = [_canonical(item.plain) for item in span.items]
        new = [_canonical(self.plain(item)) for item in node]
        dash = span.column
        if len(new) > len(old) and new[: len(old)] == old:
            end = self.t.region_end(span.end)
            lines = self.items(node[len(old) :], dash)
            prefix = "" if self.t.text[end - 1 : end] == "\n" else "\n"
            suffix = "\n" if end < len(self.t.text) or self.t.text.endswith("\n") else ""
            self.t.replace(end, end, prefix + "\n".join(lines) + suffix)
            return True
        if len(new) < len(old):
            # removed items only: keep the others as they are
            keep: list[int] = []
            position = 0
            for value in new:
                while position < len(old) and old[position] != value:
                    position += 1
                if position == len(old):
                    return False
                keep.append(position)
                position += 1
            for index, item in enumerate(span.items):
                if index in keep:
                    continue
                line_start = self.t.line_start(item.start)
                if self.t.text[line_start : item.start].strip() != "-":
                    return False
                self.t.replace(line_start, self.t.region_end(item.end), "")
            return True
        return False


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def same(a: Any, b: Any) -> bool:
    """Equal as data, a boolean never equal to a number (``True == 1`` in Python)."""
    return a is b or _canonical(a) == _canonical(b)


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag) if tag is not None else None
    if isinstance(value, str) and value.startswith("!") and not value.startswith("!!"):
        return value
    return None


def _is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


def _plain_ok(text: str, *, flow: bool) -> bool:
    """Whether ``text`` can be written as a plain scalar and read back as the same string."""
    if not text or text != text.strip() or not text.isprintable() or text[0] in _PLAIN_FIRST:
        return False
    if ": " in text or " #" in text or text.endswith(":") or text.startswith(("- ", "? ", ": ")):
        return False
    if text in ("-", "?", ":") or (flow and any(char in _FLOW_INDICATORS for char in text)):
        return False
    import yaml

    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def write_yaml(
    text: str,
    root: Span,
    data: Any,
    origin: Mapping[int, Span],
    plain: Callable[[Any], Any],
    *,
    mapping_indent: int,
    sequence_offset: int,
    placements: Mapping[tuple[str, ...], Mapping[str, str]],
) -> str:
    """The original YAML ``text`` changed into ``data``, editing only what differs.

    Raises
    ------
    EditorError
        A change the editor cannot make in place.
    """
    writer = _YamlWriter(
        text,
        origin,
        plain,
        mapping_indent=mapping_indent,
        sequence_offset=sequence_offset,
        placements=placements,
    )
    writer.patch(root, data, (), root.start)
    return writer.t.result()


# -- JSON ------------------------------------------------------------------------------------------


_INLINE_INTRINSIC = re.compile(r'\{\s*"(?:Ref|Fn::[A-Za-z]+|Condition)"\s*:[^\n{}]*\}')


def _is_intrinsic(node: Any) -> bool:
    if not isinstance(node, Mapping) or len(node) != 1:
        return False
    (key,) = node.keys()
    return key in ("Ref", "Condition") or str(key).startswith("Fn::")


class _JsonWriter:
    def __init__(
        self,
        text: str,
        origin: Mapping[int, Span],
        *,
        unit: int,
        placements: Mapping[tuple[str, ...], Mapping[str, str]],
    ) -> None:
        self.t = _Text(text)
        self.origin = origin
        self.unit = " " * unit
        self.placements = placements
        #: The document writes ``{"Ref": "X"}`` and ``{"Fn::GetAtt": [...]}`` on one line.
        self.inline_intrinsics = bool(_INLINE_INTRINSIC.search(text))

    def indent_of(self, index: int) -> str:
        line = self.t.line_at(index)
        return line[: len(line) - len(line.lstrip(" \t"))]

    def original(self, node: Any) -> Span | None:
        span = self.origin.get(id(node))
        return span if span is not None and same(node, span.plain) else None

    def render(self, node: Any, indent: str, *, inline: bool = False) -> str:
        """``node`` as JSON whose first line follows text on a line indented by ``indent``.

        ``inline`` (or an intrinsic function, in a document that writes them on one line): on
        one line.
        """
        span = self.original(node)
        if span is not None and (not inline or "\n" not in self.t.text[span.start : span.end]):
            delta = len(indent) - len(self.indent_of(span.start))
            lines = self.t.text[span.start : span.end].split("\n")
            return "\n".join([lines[0], *(_reindent(line, delta) for line in lines[1:])])
        inner = indent + self.unit
        if inline or (self.inline_intrinsics and _is_intrinsic(node)):
            if isinstance(node, Mapping):
                body = ", ".join(
                    f"{json.dumps(str(k), ensure_ascii=False)}: {self.render(v, inner, inline=True)}"
                    for k, v in node.items()
                )
                return "{" + body + "}"
            if isinstance(node, list):
                return "[" + ", ".join(self.render(item, inner, inline=True) for item in node) + "]"
        if isinstance(node, Mapping):
            if not node:
                return "{}"
            members = [
                f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {self.render(v, inner)}"
                for k, v in node.items()
            ]
            return "{\n" + ",\n".join(members) + "\n" + indent + "}"
        if isinstance(node, list):
            if not node:
                return "[]"
            return "[\n" + ",\n".join(inner + self.render(item, inner) for item in node) + "\n" + indent + "]"
        return json.dumps(node, ensure_ascii=False)

    def member(self, key: str, node: Any, indent: str) -> str:
        return f"{json.dumps(key, ensure_ascii=False)}: {self.render(node, indent)}"

    def patch(self, span: Span, node: Any, path: tuple[str, ...]) -> None:
        if same(node, span.plain):
            return
        if (
            span.kind == "map"
            and isinstance(node, Mapping)
            and span.entries
            and self.patch_object(span, node, path)
        ):
            return
        if span.kind == "seq" and isinstance(node, list) and len(node) == len(span.items) and node:
            for index, (item, value) in enumerate(zip(span.items, node, strict=True)):
                self.patch(item, value, (*path, str(index)))
            return
        inline = "\n" not in self.t.text[span.start : span.end]
        self.t.replace(span.start, span.end, self.render(node, self.indent_of(span.start), inline=inline))

    def patch_object(self, span: Span, node: Mapping[str, Any], path: tuple[str, ...]) -> bool:
        text = self.t.text
        entries = span.entries
        old = {entry.key: index for index, entry in enumerate(entries)}
        new_keys = [str(key) for key in node]
        placed = dict(self.placements.get(path, {}))
        replaced = {old_key for new_key, old_key in placed.items() if new_key in new_keys}
        kept = [key for key in new_keys if key in old]
        if kept != [entry.key for entry in entries if entry.key in new_keys]:
            return False
        if not kept and not any(placed.get(key) in old for key in new_keys):
            return False
        separator = (
            text[entries[0].value.end : entries[1].key_start]
            if len(entries) > 1
            else ",\n" + self.indent_of(entries[0].key_start)
        )
        indent = self.indent_of(entries[0].key_start)
        pending: list[str] = []
        after: int | None = None  # offset after the last member written or kept

        def flush() -> None:
            if not pending:
                return
            if after is None:
                self.t.replace(
                    entries[0].key_start, entries[0].key_start, separator.join(pending) + separator
                )
            else:
                self.t.replace(after, after, separator + separator.join(pending))
            pending.clear()

        for key, value in zip(new_keys, node.values(), strict=True):
            if key in old:
                flush()
                entry = entries[old[key]]
                self.patch(entry.value, value, (*path, key))
                after = entry.value.end
            elif key in placed and placed[key] in old and placed[key] not in new_keys:
                flush()
                entry = entries[old[placed[key]]]
                self.t.replace(entry.key_start, entry.value.end, self.member(key, value, indent))
                after = entry.value.end
            else:
                pending.append(self.member(key, value, indent))
        flush()
        # removed members: each with the separator before it; a run at the start of the object
        # with the text up to the first member that stays
        gone = [
            i for i, entry in enumerate(entries) if entry.key not in new_keys and entry.key not in replaced
        ]
        first = min(i for i in range(len(entries)) if i not in gone)
        if first > 0:
            self.t.replace(entries[0].key_start, entries[first].key_start, "")
        for index in gone:
            if index > first:
                self.t.replace(entries[index - 1].value.end, entries[index].value.end, "")
        return True


def write_json(
    text: str,
    root: Span,
    data: Any,
    origin: Mapping[int, Span],
    *,
    unit: int,
    placements: Mapping[tuple[str, ...], Mapping[str, str]],
) -> str:
    """The original JSON ``text`` changed into ``data``, editing only what differs."""
    writer = _JsonWriter(text, origin, unit=unit, placements=placements)
    writer.patch(root, data, ())
    return writer.t.result()
