"""A template as an editable document: its data, and the text it is written back into.

YAML is read with ruamel.yaml's round-trip mode, which keeps key order, quoting and the short-form
tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...; unknown tags load as tagged nodes); JSON with :mod:`json`.
The stages edit that data; :meth:`Document.dump` writes it back into the original text with the
round-trip editor (:mod:`.editor`): only the lines that changed are rewritten, comments and
formatting stay. New text follows the document's own indentation, guessed from the text (the most
common mapping indent and list-dash offset; JSON: the indent of its members).

Intrinsic functions appear in three shapes: long form mappings (``{"Ref": "X"}``), tagged scalars
(``!Ref X``) and tagged sequences or mappings (``!Join [...]``). :func:`intrinsic` reads all three;
:meth:`Document.ref` and friends write the document's style (short form for YAML that uses it).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

__all__ = ["Document", "MissingExtraError", "TemplateError", "intrinsic", "load_document", "plain"]

#: CloudFormation functions written in short form as ``!Name`` (``Fn::`` dropped).
_SHORT = {"Ref": "!Ref", "Condition": "!Condition"}


class TemplateError(Exception):
    """The template file cannot be read or parsed (one line, with file and position)."""


class MissingExtraError(Exception):
    """ruamel.yaml, from the ``cli`` extra, is not installed."""


def _ruamel() -> Any:
    try:
        from ruamel.yaml import YAML
    except ModuleNotFoundError as err:  # pragma: no cover - the dev lock installs it
        raise MissingExtraError("migrate needs ruamel.yaml: pip install 'sagemaker-rollout[cli]'") from err
    return YAML


def _tag_name(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag) if tag is not None else None
    if isinstance(value, str) and value.startswith("!") and not value.startswith("!!"):
        return value[1:]
    return None


def intrinsic(node: Any) -> tuple[str, Any] | None:
    """``(function, argument)`` of an intrinsic function in any of its shapes, else ``None``.

    ``function`` is the long name (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Condition``);
    ``!GetAtt A.B`` gives ``("Fn::GetAtt", "A.B")`` (the caller splits it).
    """
    name = _tag_name(node)
    if name is not None:
        function = name if name in _SHORT else f"Fn::{name}"
        from ruamel.yaml.comments import TaggedScalar

        return function, node.value if isinstance(node, TaggedScalar) else node
    if isinstance(node, Mapping) and len(node) == 1:
        (key,) = node.keys()
        if key == "Ref" or key == "Condition" or (isinstance(key, str) and key.startswith("Fn::")):
            return str(key), node[key]
    return None


def plain(node: Any) -> Any:
    """Plain data (dicts, lists, scalars, long-form intrinsics) from a document node."""
    found = intrinsic(node)
    if found is not None and _tag_name(node) is not None:
        function, argument = found
        if isinstance(argument, str):
            if function == "Fn::GetAtt":
                resource, _, attribute = argument.partition(".")
                return {function: [resource, attribute]}
            return {function: str(argument)}
        # a tagged sequence or mapping: the node itself is the argument
        if isinstance(argument, Mapping):
            return {function: {str(key): plain(value) for key, value in argument.items()}}
        return {function: [plain(item) for item in argument]}
    if isinstance(node, Mapping):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


@dataclass
class Document:
    """A loaded template and how to write it back.

    Attributes
    ----------
    data:
        The template (ruamel's CommentedMap for YAML, a dict for JSON).
    is_json:
        JSON in, JSON out.
    short_form:
        Whether new intrinsics are written as ``!Tag`` (YAML that uses short-form tags).
    """

    data: Any
    is_json: bool
    short_form: bool
    json_indent: int = 2
    mapping_indent: int = 2
    sequence_offset: int = 2
    explicit_start: bool = False
    #: The text the document was read from (None: built in memory, written in full).
    source: str | None = None
    #: Line break of the source (``"\r\n"`` is written back as it was) and a byte-order mark.
    newline: str = "\n"
    bom: str = ""
    #: Mapping path -> {new key: the removed key whose place it takes} (:meth:`place_instead`).
    placements: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    #: Why the last :meth:`dump` wrote the whole document instead of editing the source, or None.
    full_rewrite: str | None = None
    _spans: Any = None

    # -- writing intrinsics in the document's style -------------------------------------------

    def mapping(self, pairs: list[tuple[str, Any]] | None = None) -> Any:
        """A new mapping node (ruamel's CommentedMap for YAML)."""
        if self.is_json:
            return dict(pairs or [])
        from ruamel.yaml.comments import CommentedMap

        return CommentedMap(pairs or [])

    def sequence(self, items: list[Any]) -> Any:
        """A new sequence node."""
        if self.is_json:
            return list(items)
        from ruamel.yaml.comments import CommentedSeq

        return CommentedSeq(items)

    def function(self, name: str, argument: Any, *, short: bool | None = None) -> Any:
        """``name`` (long name, ``Ref`` or ``Fn::X``) applied to ``argument``, in the chosen form."""
        use_short = self.short_form if short is None else short
        if not use_short or self.is_json:
            return self.mapping([(name, argument)])
        tag = _SHORT.get(name, "!" + name.removeprefix("Fn::"))
        from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

        if isinstance(argument, str):
            return TaggedScalar(argument, tag=tag)
        node = CommentedSeq(argument) if isinstance(argument, list) else CommentedMap(argument)
        node.yaml_set_ctag(_ctag(tag))
        if isinstance(node, CommentedSeq):
            node.fa.set_flow_style()
        return node

    def ref(self, name: str, *, short: bool | None = None) -> Any:
        """``!Ref name``."""
        return self.function("Ref", name, short=short)

    def get_att(self, resource: str, attribute: str, *, short: bool | None = None) -> Any:
        """``!GetAtt resource.attribute`` (long form: ``{"Fn::GetAtt": [resource, attribute]}``)."""
        use_short = self.short_form if short is None else short
        if use_short and not self.is_json:
            return self.function("Fn::GetAtt", f"{resource}.{attribute}", short=True)
        return self.mapping([("Fn::GetAtt", self.sequence([resource, attribute]))])

    # -- output -------------------------------------------------------------------------------

    def place_instead(self, path: tuple[str, ...], new_key: str, old_key: str) -> None:
        """Write ``new_key`` of the mapping at ``path`` where ``old_key`` (removed) was written.

        Its lines take the place of the old entry's, after the comment lines above it (which
        introduced the thing the new entry replaces).
        """
        self.placements.setdefault(path, {})[new_key] = old_key

    def remember_source(self, text: str) -> None:
        """Record the text the data was read from, before any edit (for :meth:`dump`)."""
        from sagemaker_rollout_tools.cli.migrate import editor

        self.source = text
        try:
            if self.is_json:
                self._spans = editor.json_spans(text, self.data)
            else:
                self._spans = editor.yaml_spans(text, self.data, plain)
        except editor.EditorError as err:
            self._spans = None
            self.full_rewrite = str(err)

    def dump(self) -> str:
        """The template as text, in the input's format: the source with only the changes made.

        A change the round-trip editor cannot make in place, or an edit whose result does not
        read back as the data, writes the whole document instead (``full_rewrite`` says why).
        """
        from sagemaker_rollout_tools.cli.migrate import editor

        if self.source is not None and self._spans is not None:
            root, origin = self._spans
            try:
                if self.is_json:
                    text = editor.write_json(
                        self.source,
                        root,
                        self.data,
                        origin,
                        unit=self.json_indent,
                        placements=self.placements,
                    )
                else:
                    text = editor.write_yaml(
                        self.source,
                        root,
                        self.data,
                        origin,
                        plain,
                        mapping_indent=self.mapping_indent,
                        sequence_offset=self.sequence_offset,
                        placements=self.placements,
                    )
                self._check(text)
            except editor.EditorError as err:
                self.full_rewrite = str(err)
            else:
                self.full_rewrite = None
                return self.bom + text.replace("\n", self.newline)
        return self.bom + self._dump_all().replace("\n", self.newline)

    def _check(self, text: str) -> None:
        """The edited text must read back as the data."""
        from sagemaker_rollout_tools.cli.migrate import editor

        if self.is_json:
            try:
                back = json.loads(text)
            except ValueError as err:
                raise editor.EditorError(f"the edit is not valid JSON ({err})") from None
            if not editor.same(back, self.data):
                raise editor.EditorError("the edit does not read back as the data")
            return
        yaml = _new_yaml()
        try:
            back = yaml.load(text)
        except Exception as err:  # ruamel raises several unrelated types
            raise editor.EditorError(f"the edit is not valid YAML ({' '.join(str(err).split())})") from None
        if not editor.same(plain(back), plain(self.data)):
            raise editor.EditorError("the edit does not read back as the data")

    def _dump_all(self) -> str:
        """The whole document written anew (ruamel.yaml's writer; JSON with the input's indent)."""
        if self.is_json:
            return json.dumps(self.data, indent=self.json_indent, ensure_ascii=False) + "\n"
        yaml = _new_yaml()
        yaml.indent(
            mapping=self.mapping_indent,
            sequence=self.sequence_offset + 2,
            offset=self.sequence_offset,
        )
        yaml.explicit_start = self.explicit_start
        stream = io.StringIO()
        yaml.dump(self.data, stream)
        return stream.getvalue()


def _ctag(tag: str) -> Any:
    from ruamel.yaml.tag import Tag

    return Tag(suffix=tag)


def _new_yaml() -> Any:
    yaml = _ruamel()(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    # ``[{"Ref": X}]`` keeps its braces (ruamel omits them by default in a flow sequence)
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    return yaml


_KEY_LINE = re.compile(r"^(?P<indent> *)(?:- +)?[^\s#-][^#]*:\s*(?:#.*)?$")


def _guess_indents(text: str) -> tuple[int, int]:
    """(mapping indent, offset of a block sequence's dash under its key), the most common ones."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    mappings: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    for line, following in pairwise(lines):
        match = _KEY_LINE.match(line)
        if not match or line.rstrip().endswith(("|", ">", "|-", ">-")):
            continue
        base = len(match["indent"])
        if line.lstrip().startswith("- "):
            base += len(line.lstrip()) - len(line.lstrip()[2:].lstrip()) + 0
        child = len(following) - len(following.lstrip(" "))
        if following.lstrip().startswith("- "):
            if child >= base:
                offsets[child - base] += 1
        elif child > base:
            mappings[child - base] += 1
    mapping = mappings.most_common(1)[0][0] if mappings else 2
    offset = offsets.most_common(1)[0][0] if offsets else 0
    return mapping, offset


def _has_tags(node: Any) -> bool:
    if _tag_name(node) is not None:
        return True
    if isinstance(node, Mapping):
        return any(_has_tags(value) for value in node.values())
    if isinstance(node, list):
        return any(_has_tags(item) for item in node)
    return False


def load_document(path: Path) -> Document:
    """Read a template for editing.

    Raises
    ------
    TemplateError
        Unreadable file, invalid YAML or JSON (file, line and column), or not a mapping.
    MissingExtraError
        ruamel.yaml is missing (YAML templates only).
    """
    from sagemaker_rollout_tools.inputs import NotATemplateError, read_text

    try:
        read_text(path)  # directories, binary data, source code: one line saying what to pass
        with path.open(encoding="utf-8", newline="") as stream:
            raw = stream.read()
    except NotATemplateError as err:
        raise TemplateError(str(err)) from None
    except OSError as err:
        raise TemplateError(f"{path}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise TemplateError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    newline = "\r\n" if "\r\n" in raw else "\n"
    text = raw.removeprefix(bom).replace("\r\n", "\n")
    document = _parse(path, text)
    from sagemaker_rollout_tools.inputs import check_template

    try:
        check_template(path, plain(document.data))
    except NotATemplateError as err:
        raise TemplateError(str(err)) from None
    document.bom, document.newline = bom, newline
    document.remember_source(text)
    return document


def _not_a_template(path: Path, data: Any) -> None:
    from sagemaker_rollout_tools.inputs import NotATemplateError, check_template

    try:
        check_template(path, data)
    except NotATemplateError as err:
        raise TemplateError(str(err)) from None
    raise TemplateError(f"{path}: a template must be a mapping")  # pragma: no cover - check_template raises


def _parse(path: Path, text: str) -> Document:
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except RecursionError:
            raise TemplateError(f"{path}: nested too deeply (deeper than Python's recursion limit)") from None
        except json.JSONDecodeError as err:
            raise TemplateError(f"{path}, line {err.lineno}, column {err.colno}: {err.msg}") from err
        if not isinstance(data, dict):
            _not_a_template(path, data)
        indents = [len(line) - len(line.lstrip(" ")) for line in text.splitlines()[1:] if line.strip()]
        positive = [indent for indent in indents if indent]
        return Document(data, is_json=True, short_form=False, json_indent=min(positive, default=2))
    yaml = _new_yaml()
    from ruamel.yaml.error import MarkedYAMLError

    try:
        data = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = " ".join(str(err.problem or err.context or "invalid YAML").split())
        raise TemplateError(f"{path}{where}: {reason}") from err
    except Exception as err:  # ruamel raises several unrelated types (duplicate keys, ...)
        raise TemplateError(f"{path}: {' '.join(str(err).split())}") from err
    if not isinstance(data, Mapping):
        _not_a_template(path, plain(data))
    mapping, offset = _guess_indents(text)
    return Document(
        data,
        is_json=False,
        short_form=_has_tags(data),
        mapping_indent=mapping,
        sequence_offset=offset,
        explicit_start=text.lstrip().startswith("---"),
    )
