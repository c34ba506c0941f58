"""The compact type's property tables in the README and ``docs/reference.md``, generated.

The tables come from the macro's declarative schema (:mod:`sagemaker_rollout.macro.schema`) and
the autoscaling target-kind registry (:data:`sagemaker_rollout.macro.targets.TARGET_KINDS`), and sit
between ``<!-- compact-properties:start -->`` and ``<!-- compact-properties:end -->`` markers;
``python -m sagemaker_rollout_tools.schemas_gen --write --docs-root .`` rewrites them and
``--check --docs-root .`` fails when one is stale.
"""

from __future__ import annotations

from pathlib import Path

from sagemaker_rollout.macro.props import Obj, Prop
from sagemaker_rollout.sagemaker import NAME_PATTERN

__all__ = ["DOCS", "END", "START", "render_docs", "tables", "update"]

START = "<!-- compact-properties:start -->"
END = "<!-- compact-properties:end -->"
DOCS = {
    "README.md": ("Properties", "Variant", "AutoScaling"),
    "docs/reference.md": None,  # every object
}
"""Document (relative to the repository) -> the objects it shows (None: all)."""
_NOTE = (
    "<!-- generated from sagemaker_rollout.macro.schema by schemas_gen --write --docs-root .; do not edit -->"
)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _type(prop: Prop) -> str:
    if prop.kind in ("object", "keyed"):
        ref = prop.ref or ""
        return f"`{ref}`" if prop.kind == "object" else f"metric -> `{ref}`"
    if prop.kind == "array":
        inner = _type(prop.items) if prop.items is not None else "value"
        return f"list of {inner}"
    return {"size": "percent or count", "json": "mapping", "tags": "mapping or list"}.get(
        prop.kind, prop.kind
    )


def _allowed(obj: Obj, key: str, prop: Prop) -> str:
    parts: list[str] = []
    if prop.enum is not None:
        parts.append(", ".join(f"`{value}`" for value in prop.enum))
    low, high = _number(prop.minimum), _number(prop.maximum)
    suffix = "%" if prop.kind == "size" else ""
    if low and high:
        parts.append(f"{'> ' + low + suffix + ', ≤ ' if prop.exclusive_minimum else low + '-'}{high}{suffix}")
    elif low:
        parts.append(f"{'>' if prop.exclusive_minimum else '≥'} {low}")
    elif high:
        parts.append(f"≤ {high}")
    if prop.kind == "array" and (prop.min_items is not None or prop.max_items is not None):
        parts.append(f"{prop.min_items or 0}-{prop.max_items} items" if prop.max_items else "")
    if prop.kind == "keyed":
        parts.append(", ".join(f"`{name}`" for name in prop.keys))
    if prop.pattern == NAME_PATTERN:
        parts.append("1-63 letters, digits and hyphens, starting and ending with a letter or digit")
    elif prop.pattern is not None and prop.enum is None:
        parts.append(f"`{prop.pattern}`")
    for rule in obj.rules:
        if key in rule.ranges:
            low_rule, high_rule = rule.ranges[key]
            parts.append(f"{_number(low_rule)}-{_number(high_rule)} with {rule.key} `{rule.value}`")
    if prop.literal:
        parts.append("known at expansion")
    if prop.conditional:
        parts.append("or `!If [Cond, {...}, !Ref AWS::NoValue]`")
    return "; ".join(part for part in parts if part).replace("|", "\\|")


def _description(obj: Obj, key: str, prop: Prop) -> str:
    from sagemaker_rollout.macro.targets import TARGET_KINDS

    text = prop.description
    if obj.name == "AutoScaling" and key in TARGET_KINDS:
        kind = TARGET_KINDS[key]
        text += f" Target kind for {kind.variants} (`{kind.dimension}`)."
    return text.replace("|", "\\|")


def _default(prop: Prop) -> str:
    if prop.required:
        return "**required**"
    if prop.default is None:
        return ""
    if isinstance(prop.default, bool):
        return f"`{str(prop.default).lower()}`"
    return (
        f"`{prop.default}`" if not isinstance(prop.default, str) or " " not in prop.default else prop.default
    )


def tables(names: tuple[str, ...] | None = None) -> str:
    """Markdown tables of the compact objects ``names`` (default: all), in schema order."""
    from sagemaker_rollout.macro.schema import OBJECTS

    chunks = [_NOTE]
    for name, obj in OBJECTS.items():
        if names is not None and name not in names:
            continue
        chunks.append(f"**`{obj.title}`** (`{name}`): {obj.description}")
        rows = ["| property | type | required / default | allowed | description |", "|---|---|---|---|---|"]
        for key, prop in obj.props.items():
            rows.append(
                f"| `{key}` | {_type(prop)} | {_default(prop)} | {_allowed(obj, key, prop)} | "
                f"{_description(obj, key, prop)} |"
            )
        chunks.append("\n".join(rows))
    return "\n\n".join(chunks)


def update(text: str, names: tuple[str, ...] | None) -> str:
    """``text`` with the part between :data:`START` and :data:`END` replaced by the tables.

    Raises
    ------
    ValueError
        When the markers are missing.
    """
    if START not in text or END not in text:
        raise ValueError(f"no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables(names)}\n{END}{tail}"


def render_docs(root: Path) -> dict[Path, str]:
    """Path -> content of every document with generated tables, under the repository ``root``."""
    return {
        root / name: update((root / name).read_text(encoding="utf-8"), names)
        for name, names in DOCS.items()
        if (root / name).is_file()
    }
