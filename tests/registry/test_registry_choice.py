"""Choosing the registry type: the macro's ``Provider``, and ``plan``/``lint`` saying when it is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_kit import REGISTRY

from sagemaker_rollout.macro import REGISTRY_ENDPOINT_TYPE, MacroError, expand_endpoint
from sagemaker_rollout.registry_type import TYPE_NAME, needs_registry_type
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "registry-type-long-linear.input.yaml"
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"


def compact(**properties: Any) -> dict[str, Any]:
    """The golden long linear rollout's compact resource, with ``properties`` changed."""
    resource = cfn_yaml.load(GOLDEN.read_text())["Resources"]["Generator"]
    resource["Properties"].update(properties)
    return {k: v for k, v in resource.items() if v is not None}


def test_registry_type_name_is_the_schema_type_name() -> None:
    import json

    schema = json.loads((REGISTRY / "sagemakerrollout-sagemaker-endpoint.json").read_text())
    assert REGISTRY_ENDPOINT_TYPE == TYPE_NAME == schema["typeName"]
    assert "ServiceToken" not in schema["properties"] and "ServiceTimeout" not in schema["properties"]
    assert schema["primaryIdentifier"] == ["/properties/EndpointName"]
    assert schema["typeConfiguration"]["required"] == ["JournalTableName"]


@pytest.mark.parametrize(
    ("provider", "expected_type", "token"),
    [(None, "Custom::SageMakerEndpoint", True), ("CustomResource", "Custom::SageMakerEndpoint", True)],
)
def test_custom_resource_is_the_default_and_refuses_a_rollout_longer_than_an_hour(
    provider: str | None, expected_type: str, token: bool
) -> None:
    """GIVEN the three-hour linear rollout with the custom resource (default or named)
    THEN the macro refuses it, naming the part and saying the registry type carries it."""
    resource = compact(Provider=provider)
    if provider is None:
        del resource["Properties"]["Provider"]
    with pytest.raises(MacroError) as refused:
        expand_endpoint("Generator", resource, service_token=TOKEN)
    message = str(refused.value)
    assert "time limit of the request" in message
    assert "set Provider: RegistryType" in message


def test_custom_resource_that_fits_an_hour_is_emitted_with_its_service_token() -> None:
    resource = compact(Provider="CustomResource")
    resource["Properties"]["Deployment"].update(WaitIntervalSeconds=300, MaximumExecutionTimeoutSeconds=3000)
    for variant in resource["Properties"]["Variants"]:
        variant.pop("ModelDataDownloadTimeoutInSeconds")
        variant.pop("ContainerStartupHealthCheckTimeoutInSeconds")
    endpoint = expand_endpoint("Generator", resource, service_token=TOKEN)["Generator"]
    assert endpoint["Type"] == "Custom::SageMakerEndpoint"
    assert endpoint["Properties"]["ServiceToken"] == TOKEN


def test_registry_type_is_emitted_without_service_token() -> None:
    endpoint = expand_endpoint("Generator", compact(), service_token=TOKEN)["Generator"]
    assert endpoint["Type"] == REGISTRY_ENDPOINT_TYPE
    assert "ServiceToken" not in endpoint["Properties"]
    assert endpoint["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"][
        "MaximumExecutionTimeoutInSeconds"
    ] == (28800)


@pytest.mark.parametrize(
    ("properties", "path", "reason"),
    [
        ({"ServiceTimeout": 3600}, "ServiceTimeout", "only with Provider: CustomResource"),
        ({"Provider": "Registry"}, "Provider", "must be one of CustomResource, RegistryType"),
        ({"Provider": {"Ref": "Choice"}}, "Provider", "CustomResource, RegistryType"),
    ],
)
def test_provider_refusals_name_the_property(properties: dict[str, Any], path: str, reason: str) -> None:
    with pytest.raises(MacroError) as refused:
        expand_endpoint("Generator", compact(**properties), service_token=TOKEN)
    assert f"Generator.{path}" in str(refused.value)
    assert reason in str(refused.value)


def test_needs_registry_type_only_for_the_time_limit() -> None:
    """A rollout refused for the hour needs the type; one refused for anything else does not."""
    endpoint = expand_endpoint("Generator", compact(), service_token=TOKEN)["Generator"]["Properties"]
    assert needs_registry_type(endpoint)
    variants = endpoint["ProductionVariants"]
    assert not needs_registry_type(
        {**endpoint, "ProductionVariants": [{**variants[0], "InitialInstanceCount": 0}]}
    )
    short = {k: v for k, v in endpoint.items() if k != "DeploymentConfig"}
    short["ProductionVariants"] = [
        {k: v for k, v in variants[0].items() if not k.endswith("TimeoutInSeconds")}
    ]
    assert not needs_registry_type(short)


# ----------------------------------------------------------------------------------- lint and plan --
CUSTOM = """\
Resources:
  Generator:
    Type: {type}
    Properties:{token}
      EndpointName: generator
      ProductionVariants:
        - VariantName: llm
          ModelName: llm-v2
          InstanceType: ml.g5.12xlarge
          InitialInstanceCount: 4
          ModelDataDownloadTimeoutInSeconds: 3600
          ContainerStartupHealthCheckTimeoutInSeconds: 3600
      DeploymentConfig:
        BlueGreenUpdatePolicy:
          TrafficRoutingConfiguration:
            Type: LINEAR
            WaitIntervalInSeconds: 2700
            LinearStepSize: {{Type: CAPACITY_PERCENT, Value: 25}}
          MaximumExecutionTimeoutInSeconds: 28800
"""


def _write(tmp_path: Path, registry: bool) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(
        CUSTOM.format(
            type=TYPE_NAME if registry else "Custom::SageMakerEndpoint",
            token=""
            if registry
            else "\n      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:p",
        )
    )
    return path


def test_lint_says_a_long_custom_resource_needs_the_registry_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["lint", str(_write(tmp_path, registry=False))])
    out = capsys.readouterr().out
    assert status == 1
    assert "E9101" in out and "time limit of the request" in out
    assert f"use the registry type {TYPE_NAME}" in out


def test_lint_accepts_the_same_rollout_as_the_registry_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["lint", str(_write(tmp_path, registry=True))])
    out = capsys.readouterr().out
    assert "E9101" not in out, out


def test_lint_of_the_compact_template_with_provider_registry_type_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["lint", str(GOLDEN)])
    out = capsys.readouterr().out
    assert "E9101" not in out and "E9201" not in out, out


def test_plan_says_a_long_custom_resource_needs_the_registry_type_and_plans_it_as_one(
    sim: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the three-hour rollout as a custom resource, then as the registry type
    WHEN planning it
    THEN the first is refused saying the registry type carries it, the second is planned against
    the registry type's time limit."""
    status = main(["plan", str(_write(tmp_path, registry=False))])
    err = capsys.readouterr().err
    assert status == 1
    assert f"use the registry type {TYPE_NAME}" in err

    status = main(["plan", str(_write(tmp_path, registry=True))])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "endpoint generator does not exist" in out
