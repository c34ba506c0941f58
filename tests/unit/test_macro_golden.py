"""Golden expansions: ``tests/golden/<case>.input.yaml`` and the examples -> ``<case>.expected.yaml``.

Regenerate the expected files with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_macro_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli._common import render_template

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
EXAMPLES = ("ab-test", "async-scale-from-zero", "serverless", "canary-with-alarms")
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:sagemaker-rollout-EndpointProviderFunction"

CASES = [(f"example-{name}", REPO / "templates" / f"{name}.yaml") for name in EXAMPLES] + [
    (path.name.removesuffix(".input.yaml"), path) for path in sorted(GOLDEN.glob("*.input.yaml"))
]


@pytest.mark.parametrize(("case", "source"), CASES, ids=[case for case, _ in CASES])
def test_render_golden_case_matches_expected_file(case: str, source: Path) -> None:
    # GIVEN a compact template and its expected rendering
    expected_path = GOLDEN / f"{case}.expected.yaml"
    # WHEN rendering it with a fixed service token and the parameters' defaults
    rendered = cfn_yaml.dump(render_template(cfn_yaml.load(source.read_text()), service_token=TOKEN))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(rendered)
    # THEN the output is byte-identical to the reviewed file
    assert expected_path.exists(), f"missing {expected_path}; run with UPDATE_GOLDEN=1"
    assert rendered == expected_path.read_text()
