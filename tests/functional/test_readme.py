"""The README's examples run: its CLI commands, its YAML snippets and its set-up targets."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout.macro import DEFAULT_SERVICE_TOKEN, expand_template
from sagemaker_rollout.spec import validate_endpoint_properties
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


def _cli_commands() -> list[list[str]]:
    commands = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(".venv/bin/sagemaker-rollout "):
                commands.append(shlex.split(line)[1:])
    return commands


def test_readme_has_the_two_setup_commands_and_make_targets_exist() -> None:
    # GIVEN the README WHEN its set-up block is read THEN it names `make demo` and `make test`
    setup = next(block for block in _blocks("bash") if "make demo" in block)
    assert "make demo" in setup and "make test" in setup
    makefile = (README.parent / "Makefile").read_text()
    for target in ("demo:", "test:", "check:", "bench:", "build:"):
        assert f"\n{target}" in makefile
    assert "make test" in (README.parent / ".ci" / "run").read_text()


@pytest.mark.parametrize(
    "argv",
    # The demo stories are the end-to-end tier (`make test-slow`, run by CI); the rest run in `make test`.
    [
        pytest.param(
            a, marks=[pytest.mark.slow, *([pytest.mark.registry_type] if "--registry-type" in a else [])]
        )
        if a[0] == "demo"
        else a
        for a in _cli_commands()
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_readme_cli_command_runs(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    # GIVEN a command the README shows WHEN it runs from the repository root THEN it succeeds
    monkeypatch.chdir(README.parent)
    if argv[0] == "history":  # reads a deployed provider stack's journal: a simulated account
        with _provider_stack(monkeypatch):
            assert main(argv) == 0, capsys.readouterr()
    else:
        assert main(argv) == 0, capsys.readouterr()
    assert capsys.readouterr().out.strip()


@contextmanager
def _provider_stack(monkeypatch: Any) -> Iterator[None]:
    """moto with a stack "sagemaker-rollout" whose journal table is "sagemaker-rollout-journal"."""
    import boto3
    from moto import mock_aws

    from sagemaker_rollout.journal import table_definition

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        definition = table_definition("sagemaker-rollout-journal")
        properties = {k: v for k, v in definition.items() if k != "BillingMode"}
        properties["BillingMode"] = "PAY_PER_REQUEST"
        template = {
            "Resources": {"RolloutJournalTable": {"Type": "AWS::DynamoDB::Table", "Properties": properties}},
            "Outputs": {"RolloutJournalTableName": {"Value": {"Ref": "RolloutJournalTable"}}},
        }
        boto3.client("cloudformation").create_stack(
            StackName="sagemaker-rollout", TemplateBody=json.dumps(template)
        )
        yield


def test_readme_custom_resource_snippet_is_valid() -> None:
    # GIVEN the README's Custom::SageMakerEndpoint snippet
    snippet = next(b for b in _blocks("yaml") if "Custom::SageMakerEndpoint" in b)
    resources = cfn_yaml.load("Resources:\n" + snippet)["Resources"]
    # THEN the provider's validation accepts it (intrinsics left for CloudFormation)
    validate_endpoint_properties(resources["Classifier"]["Properties"])


def test_readme_macro_snippet_expands() -> None:
    snippet = next(b for b in _blocks("yaml") if "SageMakerRollout::Endpoint" in b)
    template = cfn_yaml.load(snippet)
    template["Resources"]["ModelRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {"AssumeRolePolicyDocument": {}},
    }
    expanded = expand_template(template, service_token=DEFAULT_SERVICE_TOKEN)
    types = {r["Type"] for r in expanded["Resources"].values()}
    assert {
        "Custom::SageMakerEndpoint",
        "AWS::SageMaker::Model",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::CloudWatch::Alarm",
    } <= types


def test_readme_cfn_lint_block_runs(tmp_path: Path) -> None:
    # GIVEN the README's plain cfn-lint block (rules package + generated schemas)
    import shutil
    import subprocess
    import sys

    block = next(b for b in _blocks("bash") if "sagemaker_rollout_tools.lint_rules" in b)
    bin_dir = Path(sys.executable).parent
    script = block.replace(".venv/bin/", f"{bin_dir}/").replace(
        ".sagemaker-rollout-schemas", str(tmp_path / "s")
    )
    # WHEN it runs from the repository root THEN cfn-lint passes the example with the rules loaded
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "s").is_dir()
    shutil.rmtree(tmp_path / "s")
