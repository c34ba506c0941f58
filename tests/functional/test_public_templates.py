"""The public SageMaker templates (tests/fixtures/public) play their migration in ``sagemaker-rollout demo``.

Issue 10, point 5: the demo plays any template with a SageMaker endpoint, each step told from what
the template does, a step it cannot play skipped with the reason. Issue 22, point 5: for a plain
``AWS::SageMaker::Endpoint``, the story is its owner's: the original create, ``migrate`` stage 1 and
stage 2 (adoption without replacement), a changed model rolled out through the adopted resource
under the template's own DeploymentConfig (fixed model names renamed as CloudFormation requires),
and the alarm-rollback variant; in both migration forms.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sagemaker_rollout_tools.cli import main

# The public-templates tier: `make test-slow` (CI runs it after `make test`). botocore's data is
# loaded once a worker, not once a simulated account (tests/conftest.py).
pytestmark = [pytest.mark.templates, pytest.mark.usefixtures("shared_botocore_data")]

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public"

#: Parameter values for each fixture's parameters without a default (placeholders of the right shape).
PARAMETERS: dict[str, dict[str, str]] = {
    "safe-deployment-pipeline.yaml": {
        "ImageRepoUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/nyctaxi:latest",
        "ModelName": "nyctaxi",
        "TrainJobId": "job-0001",
        "DeployRoleArn": "arn:aws:iam::123456789012:role/MLOps",
        "ModelVariant": "prd",
        "ScheduleMetricName": "feature_baseline_drift_total_amount",
        "ScheduleMetricThreshold": "0.2",
        "KmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "NotificationArn": "arn:aws:sns:us-east-1:123456789012:mlops-notification",
    },
    "fraud-detection-autoscaling.json": {
        "Name": "fraud-detection",
        "ModelS3Url": "s3://fraud-models/xgboost/model.tar.gz",
        "ContainerImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3",
        "MinInstance": "1",
        "MaxInstance": "4",
        "InstanceType": "ml.m5.xlarge",
    },
    "activity-detection.yaml": {},
    "easy-model-deployer-realtime.yaml": {
        "ECRImageURI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/emd:latest",
        "InstanceType": "ml.g5.2xlarge",
        "ModelId": "Qwen2.5-7B-Instruct",
        "ModelTag": "dev",
        "FrameWorkType": "fastapi",
        "ServiceType": "sagemaker",
        "EngineType": "vllm",
        "Region": "us-east-1",
        "DNSName": "none",
        "LambdaDeploymentHelperArn": "arn:aws:lambda:us-east-1:123456789012:function:emd-helper",
    },
    "cdk-endpoint-autoscaling.json": {},
    "projects-async-inference.yaml": {
        "SageMakerProjectName": "fraud",
        "SageMakerProjectId": "p-abc123",
        "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerModelRole",
        "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3",
        "StageName": "prod",
        "EndpointInstanceCount": "2",
        "EndpointInstanceType": "ml.m5.xlarge",
        "S3OutputPath": "s3://fraud-async/output",
        "TestInputPath": "s3://fraud-async/input/test.csv",
    },
    "projects-multi-model.yaml": {
        "SageMakerProjectName": "recs",
        "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerModelRole",
        "StageName": "prod",
        "EndpointInstanceCount": "2",
        "EndpointInstanceType": "ml.c5.xlarge",
        "S3PathToModels": "s3://recs-models/mme/",
        "ContainerImageInference": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu",
    },
    "projects-realtime-vpc.yaml": {
        "SageMakerProjectName": "churn",
        "SageMakerProjectId": "p-xyz789",
        "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7",
        "ProjectBucket": "churn-project",
        "StageName": "prod",
        "EndpointInstanceCount": "2",
        "EndpointInstanceType": "ml.m5.large",
        "SamplingPercentage": "20",
        "Environment": "prod",
        "SubnetIds": "subnet-0a1b2c3d,subnet-4e5f6a7b",
        "SGIds": "sg-0123456789abcdef0",
    },
    "projects-serverless-api.yaml": {
        "SageMakerProjectName": "sentiment",
        "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerModelRole",
        "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/sentiment/2",
        "StageName": "prod",
    },
    "mlops-deployment-patterns.yaml": {
        "SageMakerProjectName": "churn",
        "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/SageMakerModelRole",
        "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1",
        "StageName": "prod",
        "EndpointInstanceCount": "3",
        "EndpointInstanceType": "ml.m5.large",
        "DataCaptureUploadPath": "s3://churn-data/datacapture",
        "SamplingPercentage": "100",
    },
}


def arguments(name: str) -> list[str]:
    """``demo`` arguments for a fixture: the template and its parameters."""
    args = ["--template", str(PUBLIC / name)]
    for key, value in PARAMETERS[name].items():
        args += ["--parameter", f"{key}={value}"]
    return args


def test_every_fixture_names_its_source_commit_and_licence() -> None:
    # GIVEN the public fixtures THEN each names repository, path, a 40-hex commit and a licence that
    # permits redistribution (MIT-0, or Apache-2.0 with its notice)
    fixtures = sorted(p.name for p in PUBLIC.iterdir() if p.suffix in (".yaml", ".json"))
    assert fixtures == sorted(PARAMETERS), "every public fixture has its parameters here, and only those"
    for name in fixtures:
        header = (
            (PUBLIC / name).read_text(encoding="utf-8")[:600]
            if name.endswith(".yaml")
            else (PUBLIC / name.replace(".json", ".source.txt")).read_text(encoding="utf-8")
        )
        source = r"https://github\.com/(aws-samples|aws)/[\w.-]+ , path \S+ , commit [0-9a-f]{40}"
        assert re.search(source, header), name
        assert "MIT-0" in header or ("Apache-2.0" in header and "NOTICE" in header), name
    assert (PUBLIC / "README.md").is_file()


@pytest.mark.parametrize("compact", [False, True], ids=["custom", "compact"])
@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_public_template_plays_its_migration_story(
    name: str, compact: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a public template with a plain AWS::SageMaker::Endpoint WHEN the demo plays it
    # (issue 22, point 5: the user's own story, with migrate's two stages)
    status = main(["demo", *arguments(name), "--json", *(["--compact"] if compact else [])])
    document = json.loads(capsys.readouterr().out)
    steps = document["steps"]
    # THEN every step behaves as told from the template, or is skipped with the reason
    assert status == 0, json.dumps(document, indent=1)[:4000]
    titles = [s["title"] for s in steps]
    assert titles[:3] == ["original create", "stage 1: retain", "stage 2: adopt"]
    assert titles[3].endswith(" rollout") and titles[4:] == ["alarm rollback", "delete"]
    assert all(s["asExpected"] and not s["skipped"] for s in steps[:4]), titles
    assert steps[0]["response"]["status"] == "CREATE_COMPLETE"
    assert steps[1]["response"]["status"] == "UPDATE_COMPLETE"
    # stage 2 adopts the running endpoint (the provider's SUCCESS), without replacing it
    assert steps[2]["response"]["status"] == "SUCCESS"
    assert any("retained (DeletionPolicy: Retain), removed from the stack" in e for e in steps[2]["events"])
    # a changed model rolls out through the adopted resource, fixed model names included
    assert steps[3]["response"]["status"] == "SUCCESS"
    assert any(" UpdateEndpoint " in e or "update " in e for e in steps[3]["events"])
    if name == "mlops-deployment-patterns.yaml":
        # production's canary, rolled back by its own alarm
        assert titles[3] == "canary rollout"
        assert steps[4]["response"]["status"] == "FAILED"
        assert "churn-prod-Endpoint500Errors" in steps[4]["response"]["reason"]
    else:
        assert steps[4]["skipped"] and "no AutoRollbackConfiguration alarm" in steps[4]["skipReason"]
    assert steps[5]["response"]["status"] == "DELETE_COMPLETE"


def test_staging_stage_has_no_rollback_alarm_so_that_step_is_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the deployment-patterns template outside production (its Conditions drop the alarm
    # and the DeploymentConfig)
    args = arguments("mlops-deployment-patterns.yaml")
    args[args.index("StageName=prod")] = "StageName=staging"
    # WHEN the demo plays it
    status = main(["demo", *args, "--json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    # THEN the rollout is SageMaker's default, the alarm-rollback step is skipped with the reason,
    # and the demo still exits 0
    assert status == 0
    assert steps[3]["title"] == "blue/green rollout" and steps[3]["asExpected"]
    assert steps[4]["skipped"] and steps[4]["asExpected"]
    assert "no AutoRollbackConfiguration alarm" in steps[4]["skipReason"]


def test_change_says_what_rolls_out_and_a_fixed_model_name_is_renamed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a template whose model has a fixed name WHEN the demo plays --change of its model data
    args = arguments("fraud-detection-autoscaling.json")
    status = main(
        [
            "demo",
            *args,
            "--json",
            "--change",
            "SagemakerModel.PrimaryContainer.ModelDataUrl=s3://fraud-models/xgboost/v2.tar.gz",
        ]
    )
    steps = json.loads(capsys.readouterr().out)["steps"]
    # THEN that change rolls out, the model renamed as CloudFormation needs to replace it
    assert status == 0
    line = next(e for e in steps[3]["events"] if " change " in e)
    assert "SagemakerModel.PrimaryContainer.ModelDataUrl -> s3://fraud-models/xgboost/v2.tar.gz" in line
    assert "ModelName is fixed" in line
    assert steps[3]["response"]["status"] == "SUCCESS"


def test_missing_parameters_are_reported_all_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a public template without its parameters WHEN the demo starts
    status = main(["demo", "--template", str(PUBLIC / "fraud-detection-autoscaling.json")])
    err = capsys.readouterr().err
    # THEN one line names every parameter that needs a value
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    for name in ("Name", "ModelS3Url", "ContainerImage", "MinInstance", "MaxInstance", "InstanceType"):
        assert f"--parameter {name}=VALUE" in err
