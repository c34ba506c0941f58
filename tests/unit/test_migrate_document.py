"""The round-trip document under ``migrate``: text unchanged, data equal to the project's loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_rollout_tools import cfn_yaml
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
        ("Resources: {R: {Type: T}}\nA:\n  B:\n    - x\n", 2, 2),
        ("Resources: {R: {Type: T}}\nA:\n    B:\n    - x\n", 4, 0),
        ("Resources: {R: {Type: T}}\nA:\n  B:\n  - x\n", 2, 0),
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
