"""``sagemaker-rollout migrate``: both stages on YAML, JSON and SAM templates, references, errors.

The exact-output tests compare with reviewed files under ``tests/fixtures/migrate/``: the retain
stage adds two lines per resource (and an output for an endpoint CloudFormation named), the adopt
stage replaces the pair; comments, order and short-form tags stay. Each adopt output must pass
``sagemaker-rollout lint`` (cfn-lint with the project's rules, E9101-E9104 included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "migrate"
GENERATED_NAME = "Endpoint-x7PQr2LmN0aB"


def _migrate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["migrate", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _two_stages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: Path, *adopt_args: str
) -> tuple[Path, Path, str]:
    suffix = source.suffix
    retained, adopted = tmp_path / f"retain{suffix}", tmp_path / f"adopt{suffix}"
    status, _, _ = _migrate(capsys, str(source), "--stage", "retain", "-o", str(retained))
    assert status == 0
    status, _, err = _migrate(capsys, str(retained), "--stage", "adopt", "-o", str(adopted), *adopt_args)
    assert status == 0, err
    return retained, adopted, err


def _lint(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["lint", str(path)])
    return status, capsys.readouterr().out


# -- YAML: exact output -----------------------------------------------------------------------------


def test_retain_stage_adds_only_the_policies_and_the_name_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a YAML template with comments and short-form tags WHEN the retain stage is written
    THEN it is the reviewed output: the input's lines, in order, plus the Retain policies and the output."""
    out = tmp_path / "retain.yaml"
    status, stdout, err = _migrate(
        capsys, str(FIXTURES / "endpoint-pair.yaml"), "--stage", "retain", "-o", str(out)
    )
    assert status == 0 and stdout == ""
    text = out.read_text()
    assert text == (FIXTURES / "endpoint-pair.retain.yaml").read_text()
    original = (FIXTURES / "endpoint-pair.yaml").read_text().splitlines()
    added = list(text.splitlines())
    for line in original:  # every original line survives, in order
        added.remove(line)
    assert added == [
        "    DeletionPolicy: Retain",
        "    UpdateReplacePolicy: Retain",
        "    DeletionPolicy: Retain",
        "    UpdateReplacePolicy: Retain",
        "  EndpointEndpointName:",
        "    Description: Name CloudFormation generated for Endpoint "
        "(sagemaker-rollout migrate --stage adopt --endpoint-name needs it)",
        "    Value: !GetAtt Endpoint.EndpointName",
    ]
    assert "Steps:" in err and "EndpointEndpointName" in err


def test_retain_stage_is_idempotent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """GIVEN the retain stage's output WHEN it goes through the retain stage again THEN nothing changes."""
    out = tmp_path / "again.yaml"
    status, _, _ = _migrate(
        capsys, str(FIXTURES / "endpoint-pair.retain.yaml"), "--stage", "retain", "-o", str(out)
    )
    assert status == 0
    assert out.read_text() == (FIXTURES / "endpoint-pair.retain.yaml").read_text()


def test_adopt_stage_replaces_the_pair_and_keeps_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN the retain stage's output and the generated endpoint name WHEN the adopt stage is written
    THEN it is the reviewed output, it lints clean of errors, and stderr prints the three steps."""
    out = tmp_path / "adopt.yaml"
    status, _, err = _migrate(
        capsys,
        str(FIXTURES / "endpoint-pair.retain.yaml"),
        "--stage",
        "adopt",
        "--endpoint-name",
        f"Endpoint={GENERATED_NAME}",
        "-o",
        str(out),
    )
    assert status == 0, err
    assert out.read_text() == (FIXTURES / "endpoint-pair.adopt.yaml").read_text()
    assert "# trained weekly" in out.read_text() and "# The endpoint itself" in out.read_text()
    assert (
        "aws sagemaker add-tags --resource-arn $(aws sagemaker describe-endpoint --endpoint-name "
        f"{GENERATED_NAME} --query EndpointArn --output text) "
        "--tags Key=sagemaker-rollout:adoptable,Value=true"
    ) in err
    status, report = _lint(out, capsys)
    assert status == 0, report


def _adopted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> dict[str, Any]:
    _, adopted, _ = _two_stages(
        capsys, tmp_path, FIXTURES / "endpoint-pair.yaml", "--endpoint-name", f"Endpoint={GENERATED_NAME}"
    )
    loaded: dict[str, Any] = cfn_yaml.load(adopted.read_text())
    return loaded


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Ref of AWS::SageMaker::Endpoint is its ARN: an IAM Resource keeps the ARN
        (
            (
                "Resources",
                "InvokeRole",
                "Properties",
                "Policies",
                0,
                "PolicyDocument",
                "Statement",
                0,
                "Resource",
            ),
            {"Fn::GetAtt": ["EndpointRollout", "EndpointArn"]},
        ),
        (("Outputs", "EndpointArn", "Value"), {"Fn::GetAtt": ["EndpointRollout", "EndpointArn"]}),
        # GetAtt EndpointName becomes the custom type's Ref (its name)
        (("Outputs", "EndpointName", "Value"), {"Ref": "EndpointRollout"}),
        (("Outputs", "ConfigName", "Value"), {"Fn::GetAtt": ["EndpointRollout", "EndpointConfigName"]}),
        (
            ("Outputs", "InvokeUrl", "Value"),
            {
                "Fn::Sub": "https://runtime.sagemaker.${AWS::Region}.amazonaws.com/endpoints/"
                "${EndpointRollout}/invocations"
            },
        ),
        # ${Endpoint} in Sub is the ARN; a Sub variable of the same name as nothing is left alone
        (
            ("Outputs", "Described", "Value"),
            {"Fn::Sub": ["${Arn} runs ${EndpointRollout.EndpointArn}", {"Arn": {"Ref": "EndpointRollout"}}]},
        ),
        (("Resources", "InvokeRole", "DependsOn"), ["EndpointRollout", "ModelRole"]),
    ],
    ids=[
        "iam-resource",
        "ref-output",
        "endpoint-name",
        "config-name",
        "sub",
        "sub-with-variables",
        "depends-on",
    ],
)
def test_adopt_stage_rewrites_each_reference_to_keep_its_meaning(
    path: tuple[Any, ...], expected: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN references to the endpoint and its config WHEN adopted THEN each keeps its meaning."""
    node: Any = _adopted(capsys, tmp_path)
    for key in path:
        node = node[key]
    assert node == expected


def test_adopt_stage_custom_resource_takes_the_pairs_properties(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN the pair WHEN adopted THEN one custom resource with the config's content and adoption on."""
    resources = _adopted(capsys, tmp_path)["Resources"]
    assert "Endpoint" not in resources and "EndpointConfig" not in resources
    assert resources["EndpointRollout"] == {
        "Type": "Custom::SageMakerEndpoint",
        "Properties": {
            "ServiceToken": {"Fn::ImportValue": "sagemaker-rollout-EndpointProviderArn"},
            "EndpointName": GENERATED_NAME,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 2,
                    "InitialVariantWeight": 1.0,
                }
            ],
            "Tags": [{"Key": "team", "Value": "ml"}],
            "AdoptExistingEndpoint": True,
        },
    }


# -- JSON and SAM -----------------------------------------------------------------------------------


def test_json_template_stays_json_with_its_indentation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a JSON template (4-space indent, literal config name, an alarm on the endpoint)
    WHEN both stages run THEN both outputs are JSON indented by 4, references are long-form,
    the config's Ref (an ARN) is noted, and the adopt output lints clean of errors."""
    retained, adopted, err = _two_stages(capsys, tmp_path, FIXTURES / "named-endpoint.json")
    for path in (retained, adopted):
        text = path.read_text()
        assert text.startswith('{\n    "AWSTemplateFormatVersion"')
    retain_data = json.loads(retained.read_text())
    assert retain_data["Resources"]["Endpoint"]["DeletionPolicy"] == "Retain"
    assert list(retain_data["Resources"]["Config"])[:3] == ["Type", "DeletionPolicy", "UpdateReplacePolicy"]
    data = json.loads(adopted.read_text())
    resources = data["Resources"]
    assert list(resources) == ["Model", "EndpointRollout", "Alarm"]
    props = resources["EndpointRollout"]["Properties"]
    assert props["EndpointName"] == "fraud-detector"
    assert props["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    assert "EndpointConfigName" not in props
    assert resources["Alarm"]["DependsOn"] == "EndpointRollout"
    assert resources["Alarm"]["Properties"]["Dimensions"][0]["Value"] == {"Ref": "EndpointRollout"}
    assert data["Outputs"] == {
        "Arn": {"Value": {"Fn::GetAtt": ["EndpointRollout", "EndpointArn"]}},
        "Config": {"Value": {"Fn::GetAtt": ["EndpointRollout", "EndpointConfigName"]}},
    }
    assert "note: Outputs.Config.Value: !Ref Config was the endpoint config's ARN" in err
    status, report = _lint(adopted, capsys)
    assert status == 0, report


def test_sam_template_keeps_its_transform_and_function(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a SAM template whose function reads the endpoint's name and may invoke it
    WHEN both stages run THEN the function gets the name and the ARN, and the output lints."""
    _, adopted, _ = _two_stages(capsys, tmp_path, FIXTURES / "sam-endpoint.yaml")
    text = adopted.read_text()
    assert "Transform: AWS::Serverless-2016-10-31" in text
    assert "      - VariantName: AllTraffic\n" in text  # this template's list indentation
    data = cfn_yaml.load(text)
    function = data["Resources"]["Predict"]["Properties"]
    assert function["Environment"]["Variables"]["ENDPOINT_NAME"] == {"Ref": "EndpointRollout"}
    assert function["Policies"][0]["Statement"][0]["Resource"] == {
        "Fn::GetAtt": ["EndpointRollout", "EndpointArn"]
    }
    assert data["Resources"]["EndpointRollout"]["Properties"]["EndpointName"] == {
        "Fn::Sub": "${AWS::StackName}-predictor"
    }
    status, report = _lint(adopted, capsys)
    assert status == 0, report


# -- safety and errors -------------------------------------------------------------------------------


def test_adopt_without_retain_refuses_and_force_overrides(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a template whose pair is not Retain WHEN adopted THEN exit 1 naming the deletion;
    with --force it is written, and the missing policy is noted."""
    source = FIXTURES / "sam-endpoint.yaml"
    status, out, err = _migrate(capsys, str(source), "--stage", "adopt")
    assert status == 1 and out == ""
    assert err.strip().count("\n") == 0
    assert "Endpoint: DeletionPolicy is Delete (default), not Retain" in err and "DELETE" in err
    status, out, err = _migrate(capsys, str(source), "--stage", "adopt", "--force")
    assert status == 0 and "EndpointRollout" in out
    assert "(--force)" in err


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (
            ["{fixtures}/endpoint-pair.yaml", "--stage", "move"],
            2,
            "--stage move: unknown stage; use retain or adopt",
        ),
        (["{tmp}/missing.yaml", "--stage", "retain"], 2, "missing.yaml: No such file or directory"),
        (
            ["{tmp}/bucket.yaml", "--stage", "retain"],
            1,
            "Resources: no AWS::SageMaker::Endpoint in the template",
        ),
        (["{tmp}/broken.yaml", "--stage", "retain"], 2, "broken.yaml, line 3"),
        (
            ["{fixtures}/endpoint-pair.retain.yaml", "--stage", "adopt"],
            2,
            "Endpoint: has no EndpointName (CloudFormation generated it); pass --endpoint-name Endpoint=NAME",
        ),
        (
            [
                "{fixtures}/endpoint-pair.retain.yaml",
                "--stage",
                "adopt",
                "--endpoint-name",
                "Endpoint=arn:aws:x",
            ],
            2,
            "not a SageMaker endpoint name",
        ),
        (
            ["{fixtures}/endpoint-pair.retain.yaml", "--stage", "adopt", "--endpoint-name", "Other=x"],
            2,
            "--endpoint-name Other: no such endpoint to migrate (endpoints: Endpoint)",
        ),
    ],
    ids=[
        "unknown-stage",
        "missing-file",
        "no-endpoint",
        "invalid-yaml",
        "unnamed",
        "arn-as-name",
        "unknown-id",
    ],
)
def test_errors_are_one_line_with_the_cli_exit_statuses(
    argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN unusable input or a template without endpoints WHEN migrating THEN one line, 2 or 1."""
    (tmp_path / "bucket.yaml").write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    (tmp_path / "broken.yaml").write_text("Resources:\n  - [\n")
    args = [arg.format(fixtures=FIXTURES, tmp=tmp_path) for arg in argv]
    got, out, err = _migrate(capsys, *args)
    assert got == status
    assert out == ""
    assert err.startswith("sagemaker-rollout: ") and err.strip().count("\n") == 0, err
    assert message in err


def test_items_not_converted_are_listed_one_line_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a pair plus an endpoint whose config comes from a parameter
    WHEN both stages run THEN the pair converts, the other endpoint stays and is listed."""
    source = tmp_path / "two.yaml"
    text = (
        (FIXTURES / "endpoint-pair.yaml")
        .read_text()
        .replace(
            "\nOutputs:",
            "  Other:\n    Type: AWS::SageMaker::Endpoint\n    Properties:\n"
            "      EndpointConfigName: !Ref ImageUri\n\nOutputs:",
        )
    )
    source.write_text(text)
    _, adopted, err = _two_stages(capsys, tmp_path, source, "--endpoint-name", f"Endpoint={GENERATED_NAME}")
    assert (
        "not converted: Other: EndpointConfigName does not name an AWS::SageMaker::EndpointConfig "
        "of this template"
    ) in err
    resources = cfn_yaml.load(adopted.read_text())["Resources"]
    assert resources["Other"]["Type"] == "AWS::SageMaker::Endpoint"
    assert resources["EndpointRollout"]["Type"] == "Custom::SageMakerEndpoint"


# -- --compact -----------------------------------------------------------------------------------------


def test_compact_retain_stage_is_the_plain_retain_stage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN an autoscaled endpoint WHEN the retain stage runs with and without --compact
    THEN both write the reviewed output: only the pair is Retain (the autoscaling stays in the stack)."""
    for flags in ([], ["--compact"]):
        out = tmp_path / f"retain{len(flags)}.yaml"
        status, _, _ = _migrate(
            capsys, str(FIXTURES / "autoscaled-endpoint.yaml"), "--stage", "retain", *flags, "-o", str(out)
        )
        assert status == 0
        assert out.read_text() == (FIXTURES / "autoscaled-endpoint.retain.yaml").read_text()
    resources = cfn_yaml.load(out.read_text())["Resources"]
    retained = sorted(key for key, value in resources.items() if value.get("DeletionPolicy") == "Retain")
    assert retained == ["Config", "Endpoint"]


def test_compact_adopt_stage_absorbs_model_and_alarm_and_keeps_autoscaling(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN the retain stage's output WHEN adopted with --compact
    THEN one SageMakerRollout::Endpoint absorbs the model and the rollback alarm; the scalable
    target and policy (CloudFormation cannot create a registered target again) and the alarm it
    cannot express stay and are listed; the output renders and lints clean of errors."""
    out = tmp_path / "adopt.yaml"
    status, _, err = _migrate(
        capsys,
        str(FIXTURES / "autoscaled-endpoint.retain.yaml"),
        "--stage",
        "adopt",
        "--compact",
        "-o",
        str(out),
    )
    assert status == 0, err
    assert out.read_text() == (FIXTURES / "autoscaled-endpoint.adopt.yaml").read_text()
    assert (
        "not converted: LatencyAlarm: kept as a plain resource: the compact Alarms cannot express OKActions"
        in err
    )
    assert "not converted: ScalableTarget: kept as a plain resource (with ScalingPolicy)" in err
    data = cfn_yaml.load(out.read_text())
    assert data["Transform"] == "SageMakerRollout"
    assert list(data["Resources"]) == ["EndpointRollout", "ScalableTarget", "ScalingPolicy", "LatencyAlarm"]
    assert data["Resources"]["LatencyAlarm"]["Properties"]["Dimensions"][0]["Value"] == {
        "Ref": "EndpointRollout"
    }
    target = data["Resources"]["ScalableTarget"]
    assert target["Properties"]["ResourceId"] == {"Fn::Sub": "endpoint/${EndpointRollout}/variant/AllTraffic"}
    assert target["DependsOn"] == "EndpointRollout"
    variant = data["Resources"]["EndpointRollout"]["Properties"]["Variants"][0]
    assert "AutoScaling" not in variant and set(variant["Alarms"]) == {"Invocation5XXErrors"}
    status = main(["render", str(out)])
    rendered = cfn_yaml.load(capsys.readouterr().out)
    assert status == 0
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in rendered["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource["Properties"])
    (endpoint,) = by_type["Custom::SageMakerEndpoint"]
    assert endpoint["AdoptExistingEndpoint"] is True and endpoint["EndpointName"] == "fraud-detector"
    routing = endpoint["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["CanarySize"] == {"Type": "INSTANCE_COUNT", "Value": 1}
    assert endpoint["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    assert len(by_type["AWS::SageMaker::Model"]) == 1
    alarms = {alarm["MetricName"]: alarm for alarm in by_type["AWS::CloudWatch::Alarm"]}
    assert alarms["Invocation5XXErrors"]["TreatMissingData"] == "missing"  # CloudWatch's default kept
    assert "ModelLatency" in alarms  # the plain one
    status, report = _lint(out, capsys)
    assert status == 0, report


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                "      ExecutionRoleArn: !Sub arn:",
                "      ModelName: fraud-model\n      ExecutionRoleArn: !Sub arn:",
            ),
            "not converted: Model: kept as a plain resource: a fixed ModelName",
        ),
        (
            (
                "          InitialVariantWeight: 1\n",
                "          InitialVariantWeight: 1\n"
                "          InferenceAmiVersion: al2-ami-sagemaker-inference-gpu-2\n",
            ),
            "not converted: Endpoint: --compact cannot express ProductionVariants[0].InferenceAmiVersion; "
            "written as Custom::SageMakerEndpoint instead",
        ),
    ],
    ids=["fixed-model-name", "variant-key"],
)
def test_compact_lists_what_it_cannot_express(
    edit: tuple[str, str], expected: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a model with a fixed name, or a variant key the compact form lacks
    WHEN adopted with --compact THEN it is kept (or the pair written plainly) and listed, and lints."""
    source, adopted = tmp_path / "source.yaml", tmp_path / "adopt.yaml"
    text = (FIXTURES / "autoscaled-endpoint.retain.yaml").read_text()
    assert edit[0] in text
    source.write_text(text.replace(edit[0], edit[1], 1))
    status, _, err = _migrate(capsys, str(source), "--stage", "adopt", "--compact", "-o", str(adopted))
    assert status == 0, err
    assert expected in err
    status, report = _lint(adopted, capsys)
    assert status == 0, report


def test_compact_json_and_sam_templates_gain_the_transform(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN the JSON and SAM fixtures WHEN migrated with --compact THEN the macro is added to
    Transform (before SAM's), JSON stays JSON, and both render and lint clean of errors."""
    _, adopted_json, _ = _two_stages(capsys, tmp_path, FIXTURES / "named-endpoint.json", "--compact")
    data = json.loads(adopted_json.read_text())
    assert data["Transform"] == "SageMakerRollout"
    assert data["Resources"]["EndpointRollout"]["Type"] == "SageMakerRollout::Endpoint"
    assert "Alarm" not in data["Resources"]  # absorbed: an Invocation5XXErrors alarm of the variant
    sam_dir = tmp_path / "sam"
    sam_dir.mkdir()
    _, adopted_sam, _ = _two_stages(capsys, sam_dir, FIXTURES / "sam-endpoint.yaml", "--compact")
    assert cfn_yaml.load(adopted_sam.read_text())["Transform"] == [
        "SageMakerRollout",
        "AWS::Serverless-2016-10-31",
    ]
    for path in (adopted_json, adopted_sam):
        assert main(["render", str(path)]) == 0
        capsys.readouterr()
        status, report = _lint(path, capsys)
        assert status == 0, report


@pytest.mark.parametrize("compact", [False, True], ids=["custom", "compact"])
def test_conditional_endpoint_keeps_its_condition_and_flow_style(
    compact: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a pair and its model under one Condition, referenced from Fn::If and a flow-style
    long-form Ref WHEN both stages run THEN the new resource has the Condition (compact: the model
    is absorbed, the macro gives generated resources the same one), the references are rewritten
    in their own style, and the output lints."""
    flags = ["--compact"] if compact else []
    _, adopted, err = _two_stages(capsys, tmp_path, FIXTURES / "conditional-endpoint.yaml", *flags)
    text = adopted.read_text()
    assert "    Value: !If [IsDeploy, !Ref EndpointRollout, none]\n" in text
    assert '    Value: {"Fn::Join": [":", [{Fn::GetAtt: [EndpointRollout, EndpointArn]}, "x"]]}\n' in text
    resources = cfn_yaml.load(text)["Resources"]
    assert resources["EndpointRollout"]["Condition"] == "IsDeploy"
    assert ("Model" in resources) is not compact
    assert "not converted" not in err
    status, report = _lint(adopted, capsys)
    assert status == 0, report


# -- issue 22, point 1: a ResourceId built from the config's name -----------------------------------

POINT1 = """\
Resources:
  Model:
    Type: AWS::SageMaker::Model
    Properties:
      ExecutionRoleArn: arn:aws:iam::123456789012:role/SageMakerModelRole
      PrimaryContainer:
        Image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu-py310
  EndpointConfig:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      EndpointConfigName: my-endpoint        # same name as the endpoint, as the original relies on
      ProductionVariants:
        - VariantName: AllTraffic
          ModelName: !GetAtt Model.ModelName
          InstanceType: ml.m5.large
          InitialInstanceCount: 1
  Endpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointName: my-endpoint
      EndpointConfigName: !GetAtt EndpointConfig.EndpointConfigName
  ScalableTarget:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      MinCapacity: 1
      MaxCapacity: 4
      ResourceId: !Join ['', [endpoint/, !GetAtt EndpointConfig.EndpointConfigName, /variant/AllTraffic]]
      ScalableDimension: sagemaker:variant:DesiredInstanceCount
      ServiceNamespace: sagemaker
"""


@pytest.mark.parametrize("compact", [False, True], ids=["plain", "compact"])
def test_point1_resource_id_from_the_config_name_becomes_the_endpoint_name(
    compact: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN the issue's minimal template (a scalable target's ResourceId joined from the config's
    name, equal to the endpoint's) WHEN both stages run THEN stage 1 writes the endpoint's name
    (the same value), stage 2 the adopted resource's name (never its EndpointConfigName, which
    changes with every rollout), and lint finds no E9103 in either output."""
    source = tmp_path / "source.yaml"
    source.write_text(POINT1)
    flags = ["--compact"] if compact else []
    retained, adopted, _err = _two_stages(capsys, tmp_path, source, *flags)
    assert "!GetAtt Endpoint.EndpointName" in retained.read_text()
    assert cfn_yaml.load(adopted.read_text())["Resources"]["ScalableTarget"]["Properties"]["ResourceId"] == {
        "Fn::Join": ["", ["endpoint/", {"Ref": "EndpointRollout"}, "/variant/AllTraffic"]]
    }
    assert "EndpointRollout.EndpointConfigName" not in adopted.read_text()
    for path in (retained, adopted):
        _, report = _lint(path, capsys)
        assert "E9103" not in report, report
    _status, report = _lint(source, capsys)
    assert "E9103" in report  # the original has it: it works only while both names are equal


def test_a_config_arn_where_an_endpoint_name_belongs_stops_the_migration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GIVEN a ResourceId built from the config's Ref (its ARN) WHEN adopted THEN exit 1 with one
    not converted: line naming the property and what to write instead; nothing on stdout."""
    source = tmp_path / "source.yaml"
    source.write_text(
        POINT1.replace("!GetAtt EndpointConfig.EndpointConfigName, /variant", "!Ref EndpointConfig, /variant")
    )
    retained = tmp_path / "retain.yaml"
    assert main(["migrate", str(source), "--stage", "retain", "-o", str(retained), "--no-check"]) == 0
    capsys.readouterr()
    status, out, err = _migrate(capsys, str(retained), "--stage", "adopt")
    assert status == 1 and out == ""
    assert err.startswith("not converted: Resources.ScalableTarget.Properties.ResourceId")
    assert err.count("\n") == 1
    assert "write the endpoint's name there" in err


# -- issue 22, point 4: stage 1 changes only the lines it must ----------------------------------------

PUBLIC = FIXTURES.parent / "public"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in PUBLIC.iterdir() if p.suffix in (".yaml", ".json")), ids=str
)
def test_stage1_changes_only_the_lines_it_must(name: str, tmp_path: Path) -> None:
    """GIVEN a public template WHEN the retain stage is written THEN the diff is the two Retain
    lines per resource of each pair, the name output of an endpoint CloudFormation names (YAML: 4
    lines, and the Outputs key when there is none), and at most the lines of a ResourceId built
    from the config's name (rewritten to the endpoint's, the same value); nothing else."""
    import difflib

    from sagemaker_rollout_tools.cli.migrate.document import load_document
    from sagemaker_rollout_tools.cli.migrate.stages import retain

    source = PUBLIC / name
    document = load_document(source)
    report = retain(document)
    out = document.dump()
    assert document.full_rewrite is None
    diff = list(difflib.ndiff(source.read_text().splitlines(), out.splitlines()))
    removed = [line[2:] for line in diff if line.startswith("- ")]
    added = [line[2:] for line in diff if line.startswith("+ ")]
    policies = ("DeletionPolicy: Retain", "UpdateReplacePolicy: Retain")
    policies_json = ('"DeletionPolicy": "Retain"', '"UpdateReplacePolicy": "Retain"')
    retain_lines = [
        line for line in added if line.strip() in policies or line.strip().rstrip(",") in policies_json
    ]
    assert len(retain_lines) == 4 * len(report.pairs)
    # Outputs header (when new), id, Description, Value (JSON: the GetAtt in the file's style, 9 lines)
    output_lines = (9 if name.endswith(".json") else 5) * len(report.name_outputs)
    assert all("EndpointConfig" in line for line in removed), removed
    assert len(removed) <= 2 and len(added) <= len(retain_lines) + output_lines + len(removed), diff
