"""The round-trip document under ``migrate``: text unchanged, data equal to the project's loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli.migrate.comments import attach_trailing, detach_trailing
from sagemaker_rollout_tools.cli.migrate.document import load_document, plain

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    [
        *(REPO / "templates").glob("*.yaml"),
        *(REPO / "tests" / "fixtures").glob("*.yaml"),
        *(REPO / "tests" / "fixtures" / "migrate").glob("*.yaml"),
        *(REPO / "tests" / "fixtures" / "migrate").glob("*.json"),
        *(REPO / "tests" / "golden").glob("*.input.yaml"),
    ]
)


@pytest.mark.parametrize("path", [p for p in TEMPLATES if p.suffix == ".yaml"], ids=lambda path: path.name)
def test_unchanged_template_is_written_back_byte_for_byte(path: Path) -> None:
    """GIVEN a YAML template of the repository WHEN loaded and dumped unedited THEN the text is the same."""
    assert load_document(path).dump() == path.read_text()


@pytest.mark.parametrize("indent", [2, 4])
def test_json_keeps_its_indentation_and_key_order(indent: int, tmp_path: Path) -> None:
    """GIVEN a JSON template written with an indent WHEN loaded and dumped THEN the text is the same
    (JSON is written as json.dumps writes it: one member per line, the file's indent)."""
    data = json.loads((REPO / "tests" / "fixtures" / "migrate" / "named-endpoint.json").read_text())
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data, indent=indent) + "\n")
    assert load_document(path).dump() == path.read_text()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_plain_data_equals_the_projects_loader(path: Path) -> None:
    """GIVEN a template WHEN read round-trip and converted to plain data
    THEN it equals what cfn_yaml (the macro's loader) reads: short tags in long form."""
    assert plain(load_document(path).data) == cfn_yaml.load(path.read_text())


@pytest.mark.parametrize(
    ("text", "mapping", "offset"),
    [
        ("A:\n  B:\n    - x\n", 2, 2),
        ("A:\n    B:\n    - x\n", 4, 0),
        ("A:\n  B:\n  - x\n", 2, 0),
    ],
    ids=["indented-lists", "four-spaces", "flush-lists"],
)
def test_indentation_is_guessed_from_the_text(text: str, mapping: int, offset: int, tmp_path: Path) -> None:
    """GIVEN YAML with an indentation style WHEN loaded THEN that style is the one written."""
    path = tmp_path / "t.yaml"
    path.write_text(text)
    document = load_document(path)
    assert (document.mapping_indent, document.sequence_offset) == (mapping, offset)
    assert document.dump() == text


def test_comment_lines_move_to_the_resource_before_a_removed_one(tmp_path: Path) -> None:
    """GIVEN three resources with comments between them WHEN the middle one is removed and its
    trailing lines attached to the first THEN the comment introducing the third survives and the
    one introducing the removed resource goes."""
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  A:\n    Type: X  # a\n\n  # about B\n  B:\n    Type: Y\n"
        "\n  # about C\n  C:\n    Type: Z\n"
    )
    document = load_document(path)
    resources = document.data["Resources"]
    lines = detach_trailing(resources["B"])
    del resources["B"]
    attach_trailing(resources["A"], lines)
    assert document.dump() == "Resources:\n  A:\n    Type: X  # a\n\n  # about C\n  C:\n    Type: Z\n"
