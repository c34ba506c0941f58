"""``sagemaker-rollout render`` and ``lint`` on the example templates and on broken ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cfnlint.api
import pytest

from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("ab-test", "async-scale-from-zero", "serverless", "canary-with-alarms")
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"


@pytest.mark.parametrize("name", EXAMPLES)
def test_cli_render_example_prints_expanded_template(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an example template using the macro
    # WHEN rendering it
    status = main(["render", str(REPO / "templates" / f"{name}.yaml")])
    rendered = cfn_yaml.load(capsys.readouterr().out)
    # THEN it exits 0 and prints a template without the macro, with the placeholder ServiceToken
    assert status == 0
    assert "Transform" not in rendered
    types = {resource["Type"] for resource in rendered["Resources"].values()}
    assert "Custom::SageMakerEndpoint" in types and "SageMakerRollout::Endpoint" not in types
    tokens = [
        r["Properties"]["ServiceToken"]
        for r in rendered["Resources"].values()
        if r["Type"] == "Custom::SageMakerEndpoint"
    ]
    assert tokens == [{"Fn::ImportValue": "sagemaker-rollout-EndpointProviderArn"}]
    # AND cfn-lint finds nothing at all in it
    assert [str(match) for match in cfnlint.api.lint(cfn_yaml.dump(rendered), regions=["us-east-1"])] == []


LINTED = [REPO / "templates" / f"{name}.yaml" for name in EXAMPLES] + sorted(
    (REPO / "tests" / "golden").glob("*.input.yaml")
)


@pytest.mark.parametrize("source", LINTED, ids=[path.name for path in LINTED])
def test_cli_lint_example_exits_zero(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an example template or a golden input
    # WHEN linting it
    status = main(["lint", str(source)])
    # THEN it has no errors (warnings such as W9101 for an unguarded endpoint may remain)
    out = capsys.readouterr().out
    assert status == 0, out
    assert re.search(r": (OK|no errors, \d+ warning\(s\))$", out.strip()), out


def test_cli_render_parameters_and_service_token_are_applied(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the A/B example, a parameter override and an explicit service token
    args = [
        "render",
        str(REPO / "templates" / "ab-test.yaml"),
        "--parameter",
        "InstanceType=ml.m5.xlarge",
        "--service-token",
        TOKEN,
    ]
    # WHEN rendering
    status = main(args)
    rendered = cfn_yaml.load(capsys.readouterr().out)
    # THEN the token is injected and the Ref to the parameter passes through untouched
    endpoint = rendered["Resources"]["TextClassifier"]["Properties"]
    assert status == 0
    assert endpoint["ServiceToken"] == TOKEN
    assert endpoint["ProductionVariants"][0]["InstanceType"] == {"Ref": "InstanceType"}


def test_cli_render_parameter_value_feeds_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template whose instance type comes from a parameter
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Type:\n    Type: String\n    Default: ml.m5.large\n"
        "Resources:\n  Ep:\n    Type: SageMakerRollout::Endpoint\n    Properties:\n      Variants:\n"
        "        - Name: a\n          ModelName: m\n          InstanceType: !Ref Type\n"
        "          AutoScaling: {MaxCapacity: 2, TargetInvocationsPerInstance: 5}\n"
    )
    # WHEN rendering with a burstable instance type
    status = main(["render", str(template), "-p", "Type=ml.t3.medium"])
    # THEN the macro refuses it with the located message on stderr
    assert status == 1
    assert capsys.readouterr().err.strip() == (
        "sagemaker-rollout: Ep.Variants[0].AutoScaling: autoscaling is not supported on burstable instance "
        "type "
        "ml.t3.medium (ml.t*); use another instance family or remove AutoScaling"
    )


def test_cli_lint_refused_compact_template_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a compact template with MinCapacity > MaxCapacity
    template = tmp_path / "bad.yaml"
    template.write_text(
        "Transform: SageMakerRollout\nResources:\n  Classifier:\n    Type: SageMakerRollout::Endpoint\n"
        "    Properties:\n      Variants:\n        - Name: a\n          ModelName: m\n"
        "          InstanceType: ml.c5.xlarge\n          InstanceCount: 4\n"
        "          AutoScaling: {MinCapacity: 5, MaxCapacity: 3, TargetInvocationsPerInstance: 70}\n"
    )
    # WHEN linting
    status = main(["lint", str(template)])
    # THEN it fails with the message format of the contract
    assert status == 1
    assert (
        "Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 3"
        in capsys.readouterr().out
    )


def test_cli_lint_reports_cfn_lint_and_provider_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template with an invalid plain resource and a custom endpoint the provider would refuse
    template = tmp_path / "plain.yaml"
    template.write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Colour: red\n"
        "  Ep:\n    Type: Custom::SageMakerEndpoint\n    Properties:\n      ServiceToken: arn:aws:lambda:x\n"
        "      ProductionVariants:\n        - VariantName: a\n          ModelName: m\n"
        "          InstanceType: ml.m5.large\n          InitialInstanceCount: 0\n"
    )
    # WHEN linting
    status = main(["lint", str(template)])
    out = capsys.readouterr().out
    # THEN both cfn-lint's error and the provider's error (rule E9101, prefixed with the logical id)
    assert status == 1
    assert "E3002 Resources/Topic/Properties/Colour" in out
    assert (
        "E9101 Resources/Ep/Properties/ProductionVariants/0/InitialInstanceCount: "
        "Ep.ProductionVariants[0].InitialInstanceCount"
    ) in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "missing.yaml"], "missing.yaml: No such file or directory"),
        (["render", "TEMPLATE", "--parameter", "novalue"], "--parameter 'novalue': expected KEY=VALUE"),
        (["lint", "BROKEN"], "duplicate key 'a'"),
    ],
)
def test_cli_bad_input_exits_two(
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a missing file, a malformed option or unparsable YAML
    (tmp_path / "t.yaml").write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    (tmp_path / "b.yaml").write_text("a: 1\na: 2\n")
    args = [
        {"TEMPLATE": str(tmp_path / "t.yaml"), "BROKEN": str(tmp_path / "b.yaml")}.get(a, a) for a in args
    ]
    monkeypatch.chdir(tmp_path)
    # WHEN running the command
    status = main(args)
    # THEN it exits 2 with a one-line reason
    assert status == 2
    assert message in capsys.readouterr().err


def test_cli_module_entry_point_runs_render() -> None:
    # GIVEN the package run as a module in a fresh interpreter
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers")}
    # WHEN rendering the serverless example
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sagemaker_rollout_tools.cli",
            "render",
            str(REPO / "templates" / "serverless.yaml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    # THEN it succeeds and prints the custom resource
    assert result.returncode == 0, result.stderr
    assert "Type: Custom::SageMakerEndpoint" in result.stdout


# ------------------------------------------------------------- lint: project rules and summary --
RETAIN_FALSE = """\
Resources:
  Ep:
    Type: Custom::SageMakerEndpoint
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:p
      EndpointName: churn
      RetainAllVariantProperties: false
      ProductionVariants:
        - {VariantName: a, ModelName: m, InstanceType: ml.m5.large, InitialInstanceCount: 2}
      DeploymentConfig:
        BlueGreenUpdatePolicy:
          TrafficRoutingConfiguration: {Type: ALL_AT_ONCE, WaitIntervalInSeconds: 300}
        AutoRollbackConfiguration:
          Alarms: [{AlarmName: latency}]
  Target:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    DependsOn: Ep
    Properties:
      MaxCapacity: 4
      MinCapacity: 2
      ResourceId: endpoint/churn/variant/a
      ScalableDimension: sagemaker:variant:DesiredInstanceCount
      ServiceNamespace: sagemaker
"""


@pytest.mark.parametrize(
    ("extra", "status", "summary"),
    [
        ([], 0, "no errors, 1 warning(s)"),
        (
            ["--warnings-as-errors"],
            1,
            "0 error(s), 1 warning(s) (--warnings-as-errors: warnings fail the lint)",
        ),
    ],
    ids=["warnings-pass", "warnings-as-errors"],
)
def test_cli_lint_runs_project_rules_and_counts_warnings_apart(
    extra: list[str], status: int, summary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an autoscaled endpoint with RetainAllVariantProperties false (W9102, a project rule that
    # plain cfn-lint runs only with -a)
    template = tmp_path / "retain.yaml"
    template.write_text(RETAIN_FALSE)
    # WHEN linting it, with and without --warnings-as-errors
    result = main(["lint", str(template), *extra])
    out = capsys.readouterr().out
    # THEN the project rule reports it as a warning
    assert "WARNING W9102 Resources/Ep/Properties/RetainAllVariantProperties" in out
    # AND the summary counts errors and warnings apart, still calling the warning a warning
    assert out.strip().splitlines()[-1] == f"{template}: {summary}"
    assert result == status


# --------------------------------------------------------------- lint: SAM transform, cycles ----
SAM_SAMPLE = REPO / "tests" / "fixtures" / "sam-deployment-preference-alarms.yaml"


def test_cli_lint_sam_deployment_preference_alarms_is_no_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the AWS safe-deployment sample's shape: alarms in a function's DeploymentPreference that
    # watch the function (a cycle before the SAM transform, none after it)
    # WHEN linting it
    status = main(["lint", str(SAM_SAMPLE)])
    out = capsys.readouterr().out
    # THEN no dependency cycle is reported and it passes
    assert "dependency cycle" not in out
    assert status == 0, out


def test_cli_lint_real_cycle_in_sam_template_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a SAM template with a real cycle (two alarms naming each other as actions)
    template = tmp_path / "cycle.yaml"
    alarm = (
        "    Type: AWS::CloudWatch::Alarm\n    Properties:\n      ComparisonOperator: GreaterThanThreshold\n"
        "      EvaluationPeriods: 1\n      MetricName: Errors\n      Namespace: AWS/Lambda\n"
        "      Period: 60\n      Statistic: Sum\n      Threshold: 0\n"
    )
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        f"  A:\n{alarm}      AlarmActions: [!Ref B]\n"
        f"  B:\n{alarm}      AlarmActions: [!Ref A]\n"
    )
    # WHEN linting it
    status = main(["lint", str(template)])
    # THEN the cycle is found after the transform
    assert "ERROR sagemaker-rollout Resources: dependency cycle A -> B -> A" in capsys.readouterr().out
    assert status == 1


def test_lint_sam_transformed_makes_no_aws_call_for_local_code() -> None:
    # GIVEN the SAM sample (CodeUri is a local path) WHEN transformed offline
    from sagemaker_rollout_tools.cli.lint import sam_transformed

    transformed = sam_transformed(cfn_yaml.load(SAM_SAMPLE.read_text()), "us-east-1", {})
    # THEN the function became a Lambda function with its alias and CodeDeploy deployment group
    types = {resource["Type"] for resource in transformed["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::Alias", "AWS::CodeDeploy::DeploymentGroup"} <= types
    assert "Transform" not in transformed


# ------------------------------------------------------------------------- render: parameters --
def test_cli_render_parameter_becomes_the_default_of_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the README's own example: the A/B template with --parameter InstanceType=ml.c5.2xlarge
    status = main(
        ["render", str(REPO / "templates" / "ab-test.yaml"), "--parameter", "InstanceType=ml.c5.2xlarge"]
    )
    rendered = cfn_yaml.load(capsys.readouterr().out)
    # THEN the rendered template uses it: it is the parameter's Default (the Ref stays)
    assert status == 0
    assert rendered["Parameters"]["InstanceType"]["Default"] == "ml.c5.2xlarge"
    original = cfn_yaml.load((REPO / "templates" / "ab-test.yaml").read_text())
    assert original["Parameters"]["InstanceType"]["Default"] != "ml.c5.2xlarge"


@pytest.mark.parametrize("command", ["render", "lint"])
def test_cli_unknown_parameter_is_a_usage_error_naming_the_template_parameters(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a parameter the template does not declare
    args = [command, str(REPO / "templates" / "ab-test.yaml"), "--parameter", "InstanceTyp=ml.c5.xlarge"]
    # WHEN running the command
    status = main(args)
    err = capsys.readouterr().err
    # THEN it exits 2 naming the parameter and the ones the template has
    assert status == 2
    declared = sorted(cfn_yaml.load((REPO / "templates" / "ab-test.yaml").read_text())["Parameters"])
    assert err.strip() == (
        "sagemaker-rollout: --parameter InstanceTyp: the template has no parameter InstanceTyp "
        f"(its parameters: {', '.join(declared)})"
    )


def test_cli_render_ref_to_parameter_without_value_says_how_to_pass_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a strategy taken from a parameter that has no Default
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Strategy:\n    Type: String\n"
        "Resources:\n  Ep:\n    Type: SageMakerRollout::Endpoint\n"
        "    Properties:\n      Variants:\n        - {Name: a, ModelName: m, InstanceType: ml.m5.large}\n"
        "      Deployment: {Strategy: !Ref Strategy}\n"
    )
    # WHEN rendering without a value, then with one
    status = main(["render", str(template)])
    err = capsys.readouterr().err
    fixed = main(["render", str(template), "--parameter", "Strategy=AllAtOnce"])
    # THEN the first says the parameter has no value and how to pass one; the second renders
    assert status == 1
    assert err.strip() == (
        "sagemaker-rollout: Ep.Deployment.Strategy: must be one of AllAtOnce, Canary, Linear, Rolling; "
        "it is a Ref to parameter Strategy, which has no value here (give the parameter a Default, "
        "or pass --parameter Strategy=VALUE)"
    )
    assert fixed == 0


# ---------------------------------------------------------------------- render: formats, errors --
def test_cli_render_json_template_comes_back_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the serverless example written as JSON
    source = cfn_yaml.load((REPO / "templates" / "serverless.yaml").read_text())
    template = tmp_path / "serverless.json"
    template.write_text(json.dumps(source, indent=4))
    # WHEN rendering it
    status = main(["render", str(template)])
    out = capsys.readouterr().out
    # THEN the output is JSON with the same content as the YAML rendering
    assert status == 0
    assert out.startswith("{")
    assert main(["render", str(REPO / "templates" / "serverless.yaml")]) == 0
    assert json.loads(out) == cfn_yaml.load(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("Resources:\n  A: [1, 2\n", "line 3, column 1", "expected ',' or ']'"),
        ("Resources:\n  A:\n    Type: !Bogus x\n", "line 3, column 11", "unknown tag !Bogus"),
        ("Resources:\n  A: 1\n  A: 2\n", "line 3, column 3", "duplicate key 'A'"),
    ],
    ids=["syntax", "unknown-tag", "duplicate-key"],
)
def test_cli_yaml_errors_name_file_and_line(
    text: str, where: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template that is not valid CloudFormation YAML
    template = tmp_path / "broken.yaml"
    template.write_text(text)
    # WHEN rendering it
    status = main(["render", str(template)])
    err = capsys.readouterr().err
    # THEN the one-line error names the file and the line, never PyYAML's "<unicode string>"
    assert status == 2
    assert err.startswith(f"sagemaker-rollout: {template}, {where}: "), err
    assert reason in err and "<unicode string>" not in err
    assert len(err.strip().splitlines()) == 1


BAD_COMPACT = "Resources:\n  Ep:\n    Type: SageMakerRollout::Endpoint\n    Properties:\n      Variants: []\n"


@pytest.mark.parametrize(
    ("command", "case", "status"),
    [
        ("render", "ok", 0),
        ("lint", "ok", 0),
        ("render", "refused", 1),
        ("lint", "refused", 1),
        ("render", "missing", 2),
        ("lint", "missing", 2),
        ("render", "unparsable", 2),
        ("lint", "unparsable", 2),
        ("render", "unknown-parameter", 2),
        ("lint", "unknown-parameter", 2),
    ],
)
def test_cli_exit_codes_are_the_same_for_the_same_kind_of_problem(
    command: str, case: str, status: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a good template, one the macro refuses, a missing file, invalid YAML, an unknown parameter
    (tmp_path / "refused.yaml").write_text(BAD_COMPACT)
    (tmp_path / "unparsable.yaml").write_text("Resources: [\n")
    path = {
        "ok": str(REPO / "templates" / "serverless.yaml"),
        "refused": str(tmp_path / "refused.yaml"),
        "missing": str(tmp_path / "missing.yaml"),
        "unparsable": str(tmp_path / "unparsable.yaml"),
        "unknown-parameter": str(REPO / "templates" / "serverless.yaml"),
    }[case]
    extra = ["--parameter", "Nope=1"] if case == "unknown-parameter" else []
    # WHEN running render or lint THEN both exit with the documented status (0 ok, 1 refused, 2 input)
    assert main([command, path, *extra]) == status
    capsys.readouterr()


@pytest.mark.parametrize("environment", ["true", "[A=1, B=2]"], ids=["true", "list"])
def test_cli_render_bad_environment_is_one_line_not_a_traceback(
    environment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an inline model whose Environment is a boolean or a list
    template = tmp_path / "env.yaml"
    template.write_text(
        "Resources:\n  Ep:\n    Type: SageMakerRollout::Endpoint\n    Properties:\n      Variants:\n"
        "        - Name: a\n          InstanceType: ml.m5.large\n          Model:\n"
        "            Image: img:1\n            ExecutionRoleArn: arn:aws:iam::123456789012:role/r\n"
        f"            Environment: {environment}\n"
    )
    # WHEN rendering it
    status = main(["render", str(template)])
    err = capsys.readouterr().err
    # THEN the macro refuses it in one located line
    assert status == 1
    assert err.startswith(
        "sagemaker-rollout: Ep.Variants[0].Model.Environment: must be a mapping of variable names to strings"
    )
    assert len(err.strip().splitlines()) == 1
