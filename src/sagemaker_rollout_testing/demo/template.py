"""The demo's templates: the embedded example, rendering with the macro, and the revisions a story
deploys (a new model version, a bigger instance type)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sagemaker_rollout.macro import (
    DEFAULT_MACRO_NAME,
    DEFAULT_SERVICE_TOKEN,
    expand_template,
    strip_transform,
)
from sagemaker_rollout_testing.demo.stack import (
    CUSTOM_ENDPOINT_TYPE,
)
from sagemaker_rollout_testing.demo.world import REGION, DemoError
from sagemaker_rollout_tools import cfn_yaml

__all__ = [
    "NATIVE_ENDPOINT_TYPE",
    "Revision",
    "config_resource",
    "example_template_path",
    "first_model",
    "load_template",
    "new_model",
    "pick_resource",
    "render",
    "rendered_for",
]


NATIVE_ENDPOINT_TYPE = "AWS::SageMaker::Endpoint"


SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


SIZES = ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")


def example_template_path() -> Path:
    """The embedded example (two variants, autoscaling, latency alarm, canary)."""
    return Path(str(resources.files("sagemaker_rollout_testing.demo").joinpath("example.yaml")))


def load_template(path: Path) -> dict[str, Any]:
    """The template at ``path``, or :class:`DemoError` (status 2) saying what to pass instead."""
    from sagemaker_rollout_tools.inputs import NotATemplateError, check_template, read_text

    try:
        text = read_text(path)
        try:
            data = cfn_yaml.load(text)
        except cfn_yaml.CfnYamlError as error:
            raise DemoError(f"{path}: {error}; fix the template (YAML or JSON)", 2) from None
        return check_template(path, data)
    except NotATemplateError as error:
        raise DemoError(str(error), 2) from None


def declares(template: Mapping[str, Any], transform: str) -> bool:
    declared = template.get("Transform")
    return declared == transform or (isinstance(declared, list) and transform in declared)


def render(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Process the template as CloudFormation would before deploying it.

    The SageMakerRollout macro expands with its own code (parameters as CloudFormation passes
    them); a template declaring ``Transform: AWS::Serverless-2016-10-31`` then goes through the AWS
    SAM transform (``samtranslator``, offline, as ``sagemaker-rollout lint`` runs it).
    """
    from sagemaker_rollout.macro import MacroError

    try:
        expanded = expand_template(template, service_token=DEFAULT_SERVICE_TOKEN, parameters=dict(parameters))
    except MacroError as error:
        raise DemoError(f"the macro refuses the template: {error}") from None
    rendered = strip_transform(expanded, DEFAULT_MACRO_NAME)
    if not declares(rendered, SAM_TRANSFORM):
        return rendered
    try:
        from sagemaker_rollout_tools.cli.lint import sam_transformed

        return sam_transformed(rendered, REGION, parameters)
    except ImportError:
        raise DemoError(
            "Transform: AWS::Serverless-2016-10-31 needs aws-sam-translator (pip install aws-sam-translator)"
        ) from None
    except ValueError as error:
        raise DemoError(f"the AWS SAM transform refuses the template: {error}") from None


def pick_resource(rendered: Mapping[str, Any], wanted: str | None) -> str:
    resources_ = rendered.get("Resources") or {}
    endpoints = [
        lid
        for lid, res in resources_.items()
        if isinstance(res, Mapping) and res.get("Type") in (CUSTOM_ENDPOINT_TYPE, NATIVE_ENDPOINT_TYPE)
    ]
    if wanted is not None:
        if wanted not in endpoints:
            raise DemoError(
                f"--resource {wanted}: not a Custom::SageMakerEndpoint, SageMakerRollout::Endpoint or "
                f"AWS::SageMaker::Endpoint of the template (endpoints: {', '.join(endpoints) or 'none'})",
                2,
            )
        return wanted
    if len(endpoints) != 1:
        raise DemoError(
            "the template has "
            + (
                f"several endpoints ({', '.join(endpoints)}): choose one with --resource"
                if endpoints
                else "no endpoint"
            )
            + "",
            2 if endpoints else 1,
        )
    return str(endpoints[0])


def next_version(value: str) -> str:
    match = re.search(r"(\d+)$", value)
    if match:
        return f"{value[: match.start()]}{int(match.group(1)) + 1}"
    return f"{value}-2"


def bigger_instance_type(instance_type: str) -> str | None:
    parts = instance_type.split(".")
    if len(parts) == 3 and parts[2] in SIZES and parts[2] != SIZES[-1]:
        return f"{parts[0]}.{parts[1]}.{SIZES[SIZES.index(parts[2]) + 1]}"
    return None


@dataclass
class Revision:
    """The template and parameters of one step, and what changed."""

    source: dict[str, Any]
    parameters: dict[str, Any]
    model_revision: int = 1
    changes: list[str] = field(default_factory=list)


def target_of(node: Any) -> str | None:
    """The logical id a ``Ref``/``Fn::GetAtt`` (possibly inside ``Fn::If``) points to."""
    if not isinstance(node, Mapping) or len(node) != 1:
        return None
    ((key, value),) = node.items()
    if key == "Ref":
        return str(value)
    if key == "Fn::GetAtt":
        return str(value[0] if isinstance(value, list) else str(value).split(".", 1)[0])
    return None


def config_resource(rendered: Mapping[str, Any], resource: str) -> str | None:
    """The ``AWS::SageMaker::EndpointConfig`` a native endpoint runs (None for the custom type)."""
    resources_ = rendered.get("Resources") or {}
    if (resources_.get(resource) or {}).get("Type") != NATIVE_ENDPOINT_TYPE:
        return None
    props = resources_[resource].get("Properties") or {}
    target = target_of(props.get("EndpointConfigName"))
    if target and (resources_.get(target) or {}).get("Type") == "AWS::SageMaker::EndpointConfig":
        return target
    return None


def first_model(rendered: Mapping[str, Any], resource: str) -> str:
    resources_ = rendered["Resources"]
    holder = config_resource(rendered, resource) or resource
    props = resources_[holder].get("Properties") or {}
    variants = props.get("ProductionVariants") or []
    model = variants[0].get("ModelName") if variants and isinstance(variants[0], Mapping) else None
    logical_id = target_of(model)
    if logical_id and (resources_.get(logical_id) or {}).get("Type") == "AWS::SageMaker::Model":
        return logical_id
    raise DemoError(
        f"{holder}.ProductionVariants[0].ModelName names no AWS::SageMaker::Model of the template "
        "(Fn::GetAtt <Model>.ModelName), so the story has no model to revise"
    )


def rendered_for(revision: Revision, resource: str) -> dict[str, Any]:
    rendered = render(revision.source, revision.parameters)
    if revision.model_revision > 1 and "ModelVersion" not in (revision.source.get("Parameters") or {}):
        model = rendered["Resources"][first_model(rendered, resource)]
        props = model.setdefault("Properties", {})
        containers = props.get("Containers") or [props.setdefault("PrimaryContainer", {})]
        for container in containers:
            if isinstance(container, dict):
                container.setdefault("Environment", {})["SAGEMAKER_ROLLOUT_DEMO_REVISION"] = str(
                    revision.model_revision
                )
    return rendered


def new_model(previous: Revision, resource: str, rendered: Mapping[str, Any], bigger: bool) -> Revision:
    params = dict(previous.parameters)
    declared = previous.source.get("Parameters") or {}
    revision = Revision(previous.source, params, previous.model_revision + 1)
    if "ModelVersion" in declared:
        new = next_version(str(params["ModelVersion"]))
        revision.changes.append(f"ModelVersion {params['ModelVersion']} -> {new}")
        params["ModelVersion"] = new
    else:
        model = first_model(rendered, resource)
        revision.changes.append(f"model {model} revision {revision.model_revision}")
    if bigger and "InstanceType" in declared:
        new_type = bigger_instance_type(str(params["InstanceType"]))
        if new_type:
            revision.changes.append(f"InstanceType {params['InstanceType']} -> {new_type}")
            params["InstanceType"] = new_type
    return revision
