"""``sagemaker-rollout plan``: the provider's planner against a live (simulated) endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout_tools.cli import main
from sagemaker_rollout_tools.intrinsics import (
    Resolver,
    UnresolvableError,
    parameter_values,
    with_placeholders,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  InstanceType: {Type: String, Default: ml.c5.xlarge}
  Team: {Type: String, Default: ml}
Resources:
  Classifier:
    Type: Custom::SageMakerEndpoint
    Properties:
      ServiceToken: !ImportValue sagemaker-rollout-EndpointProviderArn
      EndpointName: classifier
      ProductionVariants:
        - VariantName: model-a
          ModelName: model-a-v1
          InstanceType: !Ref InstanceType
          InitialInstanceCount: 2
          InitialVariantWeight: 2
        - VariantName: model-b
          ModelName: model-b-v1
          InstanceType: ml.c5.xlarge
          InitialInstanceCount: 2
          InitialVariantWeight: 1
      DeploymentConfig:
        BlueGreenUpdatePolicy:
          TrafficRoutingConfiguration:
            Type: CANARY
            WaitIntervalInSeconds: 300
            CanarySize: {Type: INSTANCE_COUNT, Value: 1}
        AutoRollbackConfiguration:
          Alarms:
            - AlarmName: !Sub "${AWS::StackName}-latency"
      Tags:
        - {Key: team, Value: !Ref Team}
"""


def _properties(instance_type: str = "ml.c5.xlarge", team: str = "ml") -> dict[str, Any]:
    """The template's properties as CloudFormation would resolve them (defaults)."""
    return {
        "EndpointName": "classifier",
        "ProductionVariants": [
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": instance_type,
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 2,
            },
            {
                "VariantName": "model-b",
                "ModelName": "model-b-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1,
            },
        ],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "WaitIntervalInSeconds": 300,
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                }
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "demo-stack-latency"}]},
        },
        "Tags": [{"Key": "team", "Value": team}],
    }


@pytest.fixture
def live(provider_driver: Any, session: Any, tmp_path: Path) -> Iterator[Path]:
    """An endpoint created by the provider from TEMPLATE's defaults, with autoscaling on model-a."""
    sm = session.client("sagemaker")
    for model in ("model-a-v1", "model-b-v1"):
        sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    response = provider_driver.create(_properties(), logical_id="Classifier")
    assert response.status == "SUCCESS", response.reason
    aas = session.client("application-autoscaling")
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/classifier/variant/model-a",
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=6,
    )
    path = tmp_path / "endpoint.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    yield path


def _plan_json(capsys: pytest.CaptureFixture[str], *arguments: str) -> dict[str, Any]:
    status = main(["plan", "--json", *arguments])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    document: dict[str, Any] = json.loads(captured.out)
    return document


def test_plan_unchanged_template_needs_no_rollout(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the endpoint runs what the template asks for WHEN planned
    document = _plan_json(capsys, "--endpoint", "classifier", str(live))
    # THEN the config name the plan derives is the one running: nothing to do
    assert document["action"] == "none"
    assert document["rolloutNeeded"] is False
    assert document["endpointConfigName"] == document["previousEndpointConfigName"]


def test_plan_instance_type_change_is_canary_rollout_suspending_autoscaling(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a new instance type for the autoscaled variant WHEN planned
    document = _plan_json(
        capsys, "--endpoint", "classifier", str(live), "--parameter", "InstanceType=ml.c5.2xlarge"
    )
    # THEN a canary rollout, with steps, suspending model-a's autoscaling, within the time limit
    assert document["endpointName"] == "classifier"
    assert document["action"] == "rollout" and document["rolloutNeeded"] is True
    assert document["strategy"] == "Canary"
    assert document["steps"]
    assert document["suspendAutoscaling"] == ["model-a"]
    variants = {v["name"]: v for v in document["variants"]}
    assert variants["model-a"]["fields"]["InstanceType"] == ["ml.c5.xlarge", "ml.c5.2xlarge"]
    assert variants["model-b"]["change"] == "unchanged"
    assert 0 < document["worstCaseSeconds"] <= document["timeLimitSeconds"] == 3600
    assert document["currentStatus"] == "InService"


def test_plan_text_names_strategy_steps_and_autoscaling(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["plan", "--endpoint", "classifier", str(live), "-p", "InstanceType=ml.c5.2xlarge"])
    out = capsys.readouterr().out
    assert status == 0
    assert "Rollout: needed" in out
    assert "Strategy: Canary" in out
    assert "  1. " in out
    assert "InstanceType: ml.c5.xlarge -> ml.c5.2xlarge" in out
    assert "Autoscaling suspended during the rollout: model-a (restored afterwards)" in out
    assert "of the 3600 s time limit" in out


def test_plan_tags_only_change_needs_no_rollout(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN only a tag value changes WHEN planned (text and JSON)
    status = main(["plan", "--endpoint", "classifier", str(live), "-p", "Team=platform"])
    out = capsys.readouterr().out
    document = _plan_json(capsys, "--endpoint", "classifier", str(live), "-p", "Team=platform")
    # THEN no rollout, a retag
    assert status == 0
    assert "no rollout needed" in out
    assert "Tags: set team=platform" in out
    assert document["action"] == "retag" and document["rolloutNeeded"] is False
    assert document["suspendAutoscaling"] == []


def test_plan_missing_endpoint_would_be_created(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["plan", "--endpoint", "ghost", str(live)])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("endpoint ghost does not exist: the provider would create it")
    assert "create with ghost-" in out


def test_plan_compact_template_keeps_model_placeholders(
    live: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the demo's macro template (inline models) against the live endpoint
    template = repo_root / "src" / "sagemaker_rollout_testing" / "demo" / "example.yaml"
    document = _plan_json(capsys, "--endpoint", "classifier", str(template))
    # THEN the models' generated names are placeholders, which count as a change
    variants = {v["name"]: v for v in document["variants"]}
    assert variants["model-a"]["fields"]["ModelName"] == [
        "model-a-v1",
        "<TextClassifierModelAModel.ModelName>",
    ]
    assert document["action"] == "rollout"
    assert any("the template names endpoint text-classification-ab" in note for note in document["notes"])


def test_plan_refused_template_exits_1(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        live.read_text().replace(
            "InitialInstanceCount: 2\n          InitialVariantWeight: 2",
            "InitialInstanceCount: lots\n          InitialVariantWeight: 2",
        )
    )
    status = main(["plan", "--endpoint", "classifier", str(bad)])
    err = capsys.readouterr().err
    assert status == 1
    assert "Classifier.ProductionVariants[0].InitialInstanceCount" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--resource", "Nope"], "--resource Nope"),
        (["-p", "Nope=1"], "--parameter Nope"),
    ],
    ids=["unknown-resource", "unknown-parameter"],
)
def test_plan_usage_errors_exit_2(
    live: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["plan", "--endpoint", "classifier", str(live), *arguments]) == 2
    assert message in capsys.readouterr().err


# ---- the resolver plan shares with the demo --------------------------------------------------------

RESOLVER_TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Zones": {"Type": "CommaDelimitedList", "Default": "a,b"},
    },
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
    "Mappings": {"Size": {"prod": {"Type": "ml.c5.2xlarge"}}},
    "Resources": {"Model": {"Type": "AWS::SageMaker::Model"}},
}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"Fn::Sub": "${AWS::StackName}-${Env}"}, "stack-prod"),
        ({"Fn::Sub": ["${X}-${AWS::Region}", {"X": {"Ref": "Env"}}]}, "prod-us-east-1"),
        ({"Fn::Join": ["/", [{"Ref": "AWS::AccountId"}, "x"]]}, "123456789012/x"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::Select": [1, {"Ref": "Zones"}]}, "b"),
        ({"Fn::FindInMap": ["Size", {"Ref": "Env"}, "Type"]}, "ml.c5.2xlarge"),
        ({"Fn::ImportValue": "provider-EndpointProviderArn"}, "arn:provider"),
        ({"k": {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, 1]}, "j": 2}, {"j": 2}),
    ],
    ids=["sub", "sub-variables", "join", "if", "select", "find-in-map", "import", "no-value"],
)
def test_resolver_intrinsics_resolve(node: Any, expected: Any) -> None:
    resolver = Resolver(
        RESOLVER_TEMPLATE,
        parameter_values(RESOLVER_TEMPLATE, {}),
        stack_name="stack",
        exports={"provider-EndpointProviderArn": "arn:provider"},
    )
    assert resolver.resolve(node) == expected


def test_resolver_unknown_resource_raises_or_keeps_placeholder() -> None:
    node = {"Fn::GetAtt": ["Model", "ModelName"]}
    with pytest.raises(UnresolvableError, match="resource Model does not exist yet"):
        Resolver(RESOLVER_TEMPLATE, {}).resolve(node)
    kept = Resolver(RESOLVER_TEMPLATE, {}, placeholders=True).resolve(
        {"a": node, "b": {"Fn::Sub": "${Model.ModelName}-x"}}
    )
    assert with_placeholders(kept) == {"a": "<Model.ModelName>", "b": "<Model.ModelName>-x"}


def test_parameter_values_without_default_names_the_parameter() -> None:
    message = r"Parameters\.Env: has no Default; pass --parameter Env=VALUE"
    with pytest.raises(UnresolvableError, match=message):
        parameter_values({"Parameters": {"Env": {"Type": "String"}}}, {})


# ---- issue 10.6: templates as they are written, and the provider's refusals -----------------------


def _variant_template(live: Path, old: str, new: str, name: str = "variant.yaml") -> Path:
    text = live.read_text(encoding="utf-8")
    assert old in text
    path = live.parent / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


STACK_NAMED = ("EndpointName: classifier", 'EndpointName: !Sub "${AWS::StackName}"')


def test_plan_endpoint_defaults_to_the_template_endpoint_name(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template that names its endpoint WHEN planned without --endpoint
    document = _plan_json(capsys, str(live))
    # THEN the named endpoint is read and planned
    assert document["endpointName"] == "classifier" and document["exists"] is True
    assert document["action"] == "none"


@pytest.mark.parametrize(
    ("arguments", "note"),
    [(["--stack-name", "classifier"], None), (["--endpoint", "classifier"], "only known at deploy time")],
    ids=["stack-name", "endpoint"],
)
def test_plan_endpoint_name_from_stack_name(
    live: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], note: str | None
) -> None:
    # GIVEN EndpointName: !Sub ${AWS::StackName} WHEN planned with --stack-name (or --endpoint)
    template = _variant_template(live, *STACK_NAMED)
    document = _plan_json(capsys, *arguments, str(template))
    # THEN the endpoint is the stack's, and it already runs what the template asks for
    assert document["endpointName"] == "classifier"
    assert document["action"] == "none"
    if note is not None:
        assert any(note in n for n in document["notes"]), document["notes"]


def test_plan_endpoint_name_unknown_without_stack_name_says_what_to_pass(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = _variant_template(live, *STACK_NAMED)
    assert main(["plan", str(template)]) == 2
    assert "pass --stack-name NAME or --endpoint NAME" in capsys.readouterr().err


MODELS = """\
  ModelA:
    Type: AWS::SageMaker::Model
    Properties:
      ModelName: model-a-v1
      ExecutionRoleArn: arn:aws:iam::123456789012:role/SageMakerRole
      PrimaryContainer: {Image: img}
  ModelB:
    Type: AWS::SageMaker::Model
    Properties:
      ModelName: !Sub "model-b-v1"
      ExecutionRoleArn: arn:aws:iam::123456789012:role/SageMakerRole
      PrimaryContainer: {Image: img}
"""


def test_plan_fixed_model_names_are_no_change(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN models with fixed ModelNames, referenced with !GetAtt
    template = _variant_template(live, "Resources:\n", "Resources:\n" + MODELS)
    text = template.read_text(encoding="utf-8")
    text = text.replace(
        "ModelName: model-a-v1\n          Instance", "ModelName: !GetAtt ModelA.ModelName\n          Instance"
    )
    text = text.replace(
        "ModelName: model-b-v1\n          Instance", "ModelName: !GetAtt ModelB.ModelName\n          Instance"
    )
    template.write_text(text, encoding="utf-8")
    assert text.count("!GetAtt Model") == 2
    # WHEN planned THEN CloudFormation keeps those names: nothing to roll out
    document = _plan_json(capsys, str(template))
    assert document["action"] == "none", document["variants"]


NEW_VARIANT = """\
        - VariantName: model-c
          ModelName: model-b-v1
          InstanceType: ml.c5.xlarge
          InitialInstanceCount: 2
          InitialVariantWeight: 1
      DeploymentConfig:"""


def test_plan_refused_update_exits_1_with_the_reason(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a new variant while the template keeps its canary DeploymentConfig
    template = _variant_template(live, "      DeploymentConfig:", NEW_VARIANT)
    # WHEN planned
    status = main(["plan", str(template)])
    captured = capsys.readouterr()
    # THEN the provider's refusal, not "roll out", and a non-zero exit
    assert status == 1
    assert "deployment guardrails need the same variant names" in captured.err
    assert "AllowUnguardedRollout" in captured.err
    assert "REFUSED" in captured.out and "roll out" not in captured.out


def test_plan_unguarded_rollout_says_so(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the same change with AllowUnguardedRollout: true
    unguarded = NEW_VARIANT.replace(
        "      DeploymentConfig:", "      AllowUnguardedRollout: true\n      DeploymentConfig:"
    )
    template = _variant_template(live, "      DeploymentConfig:", unguarded)
    status = main(["plan", str(template)])
    out = capsys.readouterr().out
    document = _plan_json(capsys, str(template))
    # THEN it rolls out, flagged unguarded, without the DeploymentConfig
    assert status == 0
    assert "Unguarded: this update rolls out WITHOUT its DeploymentConfig" in out
    assert document["unguarded"] is True and "DeploymentConfig" not in document["updateArguments"]


def test_plan_create_lists_no_update_steps_but_the_estimate_parts(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["plan", "--endpoint", "ghost", str(live)])
    out = capsys.readouterr().out
    assert status == 0
    assert "Rollout: create the endpoint" in out
    assert "Strategy:" not in out and "bake" not in out and "shift all" not in out and "  1. " not in out
    assert "s  launch instances (allowance)" in out
    assert "pass the container health check, not set: SageMaker's 8-minute default" in out


def test_plan_rollout_prints_the_worst_case_parts(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["plan", str(live), "-p", "InstanceType=ml.c5.2xlarge"])
    out = capsys.readouterr().out
    document = _plan_json(capsys, str(live), "-p", "InstanceType=ml.c5.2xlarge")
    assert status == 0
    assert "s  download the model, not set, SageMaker documents no default: allowance" in out
    assert "s  final bake" in out
    assert sum(seconds for _, seconds in document["worstCaseParts"]) == document["worstCaseSeconds"]


def test_plan_endpoint_not_managed_is_refused(
    live: Path, session: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an endpoint someone else created
    sm = session.client("sagemaker")
    sm.create_endpoint_config(
        EndpointConfigName="foreign-config",
        ProductionVariants=[
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="foreign", EndpointConfigName="foreign-config")
    # WHEN planned THEN the provider's refusal, with what to do
    status = main(["plan", "--endpoint", "foreign", str(live)])
    err = capsys.readouterr().err
    assert status == 1
    assert "not managed by sagemaker-rollout" in err and "AdoptExistingEndpoint: true" in err
