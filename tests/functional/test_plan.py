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
    # AND (issue 24) the expected duration with each part's basis, and the abort point
    assert "Expected: " in out and "(assumption: EXPECTED_PROVISION_SECONDS)" in out
    assert "(property: DeploymentConfig." in out
    assert sum(part[1] for part in document["expectedParts"]) == document["expectedSeconds"]
    assert "Abort point: " in out and "the provider trips its brake alarm" in out
    assert document["abortAfterSeconds"] < document["timeLimitSeconds"]


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
    # the provider's own words (planner.adoption_refusal), what the stack event would say
    assert "not managed by this stack resource" in err and "AdoptExistingEndpoint: true" in err


# -- issue 22, point 3: a plan that tells the truth ---------------------------------------------------

PROJECT = """\
Parameters:
  ProjectName: {Type: String}
  InstanceType: {Type: String}
  CaptureBucket: {Type: String}
  Unused: {Type: String}
Resources:
  Ep:
    Type: Custom::SageMakerEndpoint
    Properties:
      ServiceToken: !ImportValue sagemaker-rollout-EndpointProviderArn
      EndpointName: !Sub ${ProjectName}-prod
      ProductionVariants:
        - VariantName: AllTraffic
          ModelName: model-a-v1
          InstanceType: !Ref InstanceType
          InitialInstanceCount: 1
      DataCaptureConfig:
        InitialSamplingPercentage: 10
        DestinationS3Uri: !Sub s3://${CaptureBucket}-${AWS::AccountId}/capture
        CaptureOptions: [{CaptureMode: Input}]
"""

PROJECT_PROPERTIES = {
    "EndpointName": "churn-prod",
    "ProductionVariants": [
        {
            "VariantName": "AllTraffic",
            "ModelName": "model-a-v1",
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 1,
        }
    ],
    "DataCaptureConfig": {
        "InitialSamplingPercentage": 10,
        "DestinationS3Uri": "s3://capture-123456789012/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}],
    },
}


@pytest.fixture
def project(provider_driver: Any, session: Any, tmp_path: Path) -> Path:
    """An endpoint the provider created from PROJECT with its parameters (account: moto's)."""
    session.client("sagemaker").create_model(
        ModelName="model-a-v1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"}
    )
    response = provider_driver.create(PROJECT_PROPERTIES, logical_id="Ep")
    assert response.status == "SUCCESS", response.reason
    path = tmp_path / "project.yaml"
    path.write_text(PROJECT)
    return path


def _parameters_file(tmp_path: Path, **values: str) -> Path:
    path = tmp_path / "params.json"
    path.write_text(json.dumps([{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]))
    return path


def test_plan_resolves_the_account_from_sts_and_reads_a_parameters_file(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a template whose config uses ${AWS::AccountId} and parameters without defaults, the
    endpoint running exactly that WHEN planned with --parameters (CloudFormation's JSON list) THEN
    the account comes from STS, the unused parameter is not needed, and nothing rolls out."""
    params = _parameters_file(
        tmp_path, ProjectName="churn", InstanceType="ml.m5.large", CaptureBucket="capture"
    )
    document = _plan_json(capsys, str(project), "--parameters", str(params))
    assert document["action"] == "none", document
    assert document["endpointName"] == "churn-prod"
    assert any("from --parameters" in note for note in document["notes"])


def test_plan_reads_samconfig_parameter_overrides_beside_the_template(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN samconfig.toml beside the template with deploy parameter_overrides (SAM's string form)
    WHEN planned without -p THEN its values are used; -p still wins over it."""
    (project.parent / "samconfig.toml").write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "churn"\n'
        'parameter_overrides = "ProjectName=churn InstanceType=ml.m5.large CaptureBucket=\\"capture\\""\n'
    )
    assert _plan_json(capsys, str(project))["action"] == "none"
    document = _plan_json(capsys, str(project), "-p", "InstanceType=ml.m5.xlarge")
    assert document["action"] == "rollout"


def test_plan_names_the_parameters_it_needs_all_at_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN no values for the parameters the endpoint depends on WHEN planned THEN exit 2 with one
    line naming each of them (not the unused one) and where to give them."""
    status = main(["plan", str(project)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "-p ProjectName=VALUE" in err and "--parameters FILE" in err and "Unused" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"A": 1}', "expected a JSON list"),
        ('[{"ParameterValue": "x"}]', "item 0 has no ParameterKey"),
        ('[{"ParameterKey": "Nope", "ParameterValue": "x"}]', "the template has no parameter Nope"),
    ],
    ids=["not-json", "object", "no-key", "unknown"],
)
def test_plan_bad_parameters_file_is_one_line_exit_2(
    content: str, message: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    status = main(["plan", str(project), "--parameters", str(bad)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and message in err, err


def test_plan_offline_plans_the_template_alone_and_says_what_it_did_not_check(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN --offline WHEN planned THEN no AWS client is made, the account must come from --account
    (the config depends on it), and the plan shows a create, an update and what it could not check."""
    import boto3

    def no_client(*_: Any, **__: Any) -> Any:
        raise AssertionError("--offline made an AWS client")

    monkeypatch.setattr(boto3.Session, "client", no_client)
    params = _parameters_file(
        tmp_path, ProjectName="churn", InstanceType="ml.m5.large", CaptureBucket="capture"
    )
    status = main(["plan", str(project), "--parameters", str(params), "--offline"])
    err = capsys.readouterr().err
    assert status == 2 and "depends on AWS::AccountId" in err and "--account ID" in err
    status = main(
        ["plan", str(project), "--parameters", str(params), "--offline", "--account", "123456789012"]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "nothing read from AWS" in out and "If churn-prod does not exist: the provider creates it" in out
    assert "If churn-prod exists and runs other content" in out and "Not checked offline" in out


def test_plan_without_credentials_exits_2_saying_how_to_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GIVEN no credentials anywhere (and no moto) WHEN planned THEN exit 2 with one line (not 1
    with a blank endpoint name), pointing at --offline."""
    project = tmp_path / "project.yaml"
    project.write_text(PROJECT)
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    status = main(["plan", str(project), "-p", "ProjectName=churn", "-p", "InstanceType=ml.m5.large"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert "no AWS credentials found" in err and "--offline" in err


def test_plan_same_content_under_another_config_name_is_said_so(
    live: Path, session: Any, clock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN an endpoint that runs the template's content under a config name the provider did not
    give (an endpoint to adopt), tagged adoptable WHEN planned THEN "same content, other config name"
    and no rollout, not "already runs" the provider's name."""
    sm = session.client("sagemaker")
    config = {k: v for k, v in _properties().items() if k == "ProductionVariants"}
    sm.create_endpoint_config(EndpointConfigName="legacy-config", **config)
    arn = sm.create_endpoint(EndpointName="legacy", EndpointConfigName="legacy-config")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "sagemaker-rollout:adoptable", "Value": "true"}])
    clock.sleep(1800)  # InService
    live.write_text(
        live.read_text().replace(
            "EndpointName: classifier", "EndpointName: legacy\n      AdoptExistingEndpoint: true"
        )
    )
    status = main(["plan", str(live)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert (
        "runs legacy-config: same content as template resource Classifier asks for, other config name" in out
    )
    assert "already runs" not in out


def test_plan_adoption_without_the_consent_tag_names_the_tag(
    live: Path, session: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN AdoptExistingEndpoint: true and an endpoint without the consent tag WHEN planned THEN
    the provider's refusal names the missing tag (not "set AdoptExistingEndpoint")."""
    sm = session.client("sagemaker")
    config = {k: v for k, v in _properties().items() if k == "ProductionVariants"}
    sm.create_endpoint_config(EndpointConfigName="legacy-config", **config)
    sm.create_endpoint(EndpointName="legacy", EndpointConfigName="legacy-config")
    live.write_text(
        live.read_text().replace(
            "EndpointName: classifier", "EndpointName: legacy\n      AdoptExistingEndpoint: true"
        )
    )
    status = main(["plan", str(live)])
    err = capsys.readouterr().err
    assert status == 1
    assert "lacks its owner's consent, the tag sagemaker-rollout:adoptable=true" in err
    assert "set AdoptExistingEndpoint" not in err


def test_plan_no_endpoint_named_to_adopt(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN AdoptExistingEndpoint: true and a name no endpoint has (a typo) WHEN planned THEN exit 1:
    "no endpoint named X to adopt", not "would create it"."""
    live.write_text(
        live.read_text().replace(
            "EndpointName: classifier", "EndpointName: clasifier\n      AdoptExistingEndpoint: true"
        )
    )
    status = main(["plan", str(live)])
    captured = capsys.readouterr()
    assert status == 1
    assert "no endpoint named clasifier to adopt" in captured.err
    assert "would create it" not in captured.out


def test_plan_warns_about_an_instance_type_botocore_does_not_list(
    live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a well-formed but unknown instance type WHEN planned THEN a warning naming botocore's
    version (never a refusal: AWS adds types)."""
    import botocore

    document = _plan_json(capsys, str(live), "-p", "InstanceType=ml.m5.huge")
    assert any(
        f"InstanceType ml.m5.huge is not in botocore {botocore.__version__}'s list" in w
        for w in document["warnings"]
    ), document["warnings"]
    assert document["refusal"] is None


SMOKE_TEMPLATE = """
Resources:
  Endpoint:
    Type: Custom::SageMakerEndpoint
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:provider
      EndpointName: classifier
      ProductionVariants:
        - {VariantName: main, ModelName: m, InstanceType: ml.c5.xlarge, InitialInstanceCount: 4}
      DeploymentConfig:
        BlueGreenUpdatePolicy:
          TrafficRoutingConfiguration:
            {Type: CANARY, WaitIntervalInSeconds: 300, CanarySize: {Type: CAPACITY_PERCENT, Value: 25}}
        AutoRollbackConfiguration: {Alarms: [{AlarmName: latency}]}
      SmokeTest:
        Invoke: {Body: '{"x": 1}'}
        Count: COUNT
"""


@pytest.mark.parametrize(
    ("count", "canary"), [(3, "skipped, 11 calls reach the new fleet with 95 %"), (11, "11 call(s)")]
)
def test_plan_shows_where_the_smoke_test_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int, canary: str
) -> None:
    # GIVEN a canary of 25 % and a smoke test of `count` calls
    template = tmp_path / "smoke.yaml"
    template.write_text(SMOKE_TEMPLATE.replace("COUNT", str(count)), encoding="utf-8")
    # WHEN planned offline
    status = main(["plan", "--offline", "--region", "us-east-1", str(template)])
    out = capsys.readouterr().out
    # THEN each watched bake says whether it is tested (the canary bake only with enough calls), and the
    # run after completion is there
    assert status == 0, out
    assert f"Smoke test: InvokeEndpoint, {count} call(s), each call at most 60 s" in out
    assert f"bake the canary (mixed fleet, 25% new): {canary}" in out, out
    assert f"final bake (new fleet takes all traffic): {count} call(s); a failure trips the brake" in out
    assert f"after completion: {count} call(s); a failure goes back to the previous config" in out
