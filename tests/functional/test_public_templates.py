"""Five public SageMaker templates (tests/fixtures/public) play clean in ``sagemaker-rollout demo``.

Issue 10, point 5 and "Done when": the demo plays any template with a SageMaker endpoint, each step
told from what the template does, a step it cannot play skipped with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sagemaker_rollout_tools.cli import main

# The public-templates tier: `make test-slow` (CI runs it after `make test`).
pytestmark = pytest.mark.templates

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

#: Fixtures whose model has a fixed ModelName: CloudFormation refuses to replace it on a new model.
FIXED_MODEL_NAME = {
    "safe-deployment-pipeline.yaml",
    "fraud-detection-autoscaling.json",
    "activity-detection.yaml",
    "easy-model-deployer-realtime.yaml",
}


def arguments(name: str) -> list[str]:
    """``demo`` arguments for a fixture: the template and its parameters."""
    args = ["--template", str(PUBLIC / name)]
    for key, value in PARAMETERS[name].items():
        args += ["--parameter", f"{key}={value}"]
    return args


def test_every_fixture_names_its_source_commit_and_licence() -> None:
    # GIVEN the public fixtures THEN each names repository, path, a 40-hex commit and the licence
    for name in PARAMETERS:
        header = (
            (PUBLIC / name).read_text(encoding="utf-8")[:600]
            if name.endswith(".yaml")
            else (PUBLIC / name.replace(".json", ".source.txt")).read_text(encoding="utf-8")
        )
        source = r"https://github\.com/aws-samples/[\w.-]+ , path \S+ , commit [0-9a-f]{40}"
        assert re.search(source, header), name
        assert "MIT-0" in header, name
    assert (PUBLIC / "README.md").is_file()


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_public_template_plays_clean(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a public template with a plain AWS::SageMaker::Endpoint WHEN the demo plays it
    status = main(["demo", *arguments(name), "--json"])
    document = json.loads(capsys.readouterr().out)
    steps = document["steps"]
    # THEN every step behaves as told from the template, or is skipped with the reason
    assert status == 0, json.dumps(document, indent=1)[:4000]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    assert steps[0]["asExpected"] and not steps[0]["skipped"]
    assert steps[3]["response"]["status"] == "DELETE_COMPLETE"
    if name in FIXED_MODEL_NAME:
        # a new model needs a replacement CloudFormation refuses: the story expects the refusal
        assert steps[1]["title"] == "update refused"
        assert "custom-named resource requires replacing" in steps[1]["response"]["reason"]
        assert steps[2]["skipped"] and "refuses the model update" in steps[2]["skipReason"]
    else:
        # generated names: the model and config are replaced, the endpoint updated in place,
        # then the production canary's alarm rolls the next update back
        assert steps[1]["title"] == "model update"
        assert steps[1]["response"]["status"] == "UPDATE_COMPLETE"
        assert not steps[2]["skipped"]
        assert steps[2]["response"]["status"] == "FAILED"
        assert "churn-prod-Endpoint500Errors" in steps[2]["response"]["reason"]
    assert "canary update" not in json.dumps(steps)  # no provider titles on a plain endpoint


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
    # THEN the alarm-rollback step is skipped with the reason, and the demo still exits 0
    assert status == 0
    assert steps[2]["skipped"] and steps[2]["asExpected"]
    assert "no AutoRollbackConfiguration alarm" in steps[2]["skipReason"]


def test_missing_parameters_are_reported_all_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a public template without its parameters WHEN the demo starts
    status = main(["demo", "--template", str(PUBLIC / "fraud-detection-autoscaling.json")])
    err = capsys.readouterr().err
    # THEN one line names every parameter that needs a value
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    for name in ("Name", "ModelS3Url", "ContainerImage", "MinInstance", "MaxInstance", "InstanceType"):
        assert f"--parameter {name}=VALUE" in err
