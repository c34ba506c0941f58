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
    "apply_edits",
    "config_resource",
    "example_template_path",
    "first_model",
    "load_template",
    "new_model",
    "note_renamed",
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
    """The template and parameters of one step, and what changed.

    Attributes
    ----------
    edits:
        ``LogicalId.Property.Path`` -> value, applied to the template (``--change``).
    """

    source: dict[str, Any]
    parameters: dict[str, Any]
    model_revision: int = 1
    changes: list[str] = field(default_factory=list)
    edits: dict[str, str] = field(default_factory=dict)
    #: The first variant's model changes: a fixed ModelName gets a new name (see rendered_for).
    rename_model: bool = False


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
    props = (resources_[holder] or {}).get("Properties") or {}
    variants = props.get("ProductionVariants") if isinstance(props, Mapping) else None
    variants = variants if isinstance(variants, list) else []
    model = variants[0].get("ModelName") if variants and isinstance(variants[0], Mapping) else None
    logical_id = target_of(model)
    if logical_id and (resources_.get(logical_id) or {}).get("Type") == "AWS::SageMaker::Model":
        return logical_id
    raise DemoError(
        f"{holder}.ProductionVariants[0].ModelName names no AWS::SageMaker::Model of the template "
        "(Fn::GetAtt <Model>.ModelName), so the story has no model to revise"
    )


def rendered_for(revision: Revision, resource: str) -> dict[str, Any]:
    """The template of a revision as CloudFormation would deploy it.

    A revised model (``model_revision`` > 1, without a ``ModelVersion`` parameter to bump) gets an
    environment variable naming the revision, so its content changes; a model with a fixed
    ``ModelName`` also gets a new name, ``<name>-r<revision>``, as its owner must give it:
    CloudFormation replaces a model whose content changes, and refuses to replace a custom-named
    resource under the same name (aws-properties-name.html). ``revision.edits`` (``--change``) are
    applied to the template first.
    """
    source = apply_edits(revision.source, revision.edits)
    rendered = render(source, revision.parameters)
    if revision.model_revision > 1 and "ModelVersion" not in (source.get("Parameters") or {}):
        model = rendered["Resources"][first_model(rendered, resource)]
        props = model.setdefault("Properties", {})
        if not revision.edits:
            containers = props.get("Containers") or [props.setdefault("PrimaryContainer", {})]
            for container in containers:
                if isinstance(container, dict):
                    container.setdefault("Environment", {})["SAGEMAKER_ROLLOUT_DEMO_REVISION"] = str(
                        revision.model_revision
                    )
        if props.get("ModelName") is not None and revision.rename_model:
            props["ModelName"] = {"Fn::Join": ["-", [props["ModelName"], f"r{revision.model_revision}"]]}
    return rendered


def apply_edits(source: dict[str, Any], edits: Mapping[str, str]) -> dict[str, Any]:
    """``source`` with ``--change LogicalId.Path=VALUE`` edits applied (a copy).

    Raises
    ------
    DemoError
        A path that names no resource, or goes through something that is not a mapping (status 2).
    """
    if not edits:
        return source
    import copy

    result = copy.deepcopy(source)
    resources = result.get("Resources") or {}
    for path, value in edits.items():
        logical_id, _, rest = path.partition(".")
        if logical_id not in resources or not rest:
            raise DemoError(
                f"--change {path}: expected PARAMETER=VALUE or LogicalId.Property.Path=VALUE naming a "
                f"resource of the template (resources: {', '.join(sorted(resources)) or 'none'})",
                2,
            )
        node = resources[logical_id]
        keys = ["Properties", *rest.split(".")] if not rest.startswith("Properties.") else rest.split(".")
        for key in keys[:-1]:
            child = node.get(key) if isinstance(node, dict) else None
            if child is None and isinstance(node, dict):
                child = node[key] = {}
            if not isinstance(child, dict):
                raise DemoError(f"--change {path}: {key} is not a mapping in {logical_id}", 2)
            node = child
        node[keys[-1]] = value
    return result


def new_model(
    previous: Revision,
    resource: str,
    rendered: Mapping[str, Any],
    bigger: bool,
    change: Mapping[str, str] | None = None,
) -> Revision:
    """The next revision: ``change`` (``--change``: parameters or ``LogicalId.Path`` edits) when
    given, else a new model version (the ``ModelVersion`` parameter, or a revised model), and with
    ``bigger`` a bigger ``InstanceType`` parameter."""
    params = dict(previous.parameters)
    declared = previous.source.get("Parameters") or {}
    revision = Revision(previous.source, params, previous.model_revision + 1, edits=dict(previous.edits))
    if change:
        for key, value in change.items():
            if key in declared:
                revision.changes.append(f"{key} {params.get(key)} -> {value}")
                params[key] = value
            else:
                revision.changes.append(f"{key} -> {value}")
                revision.edits[key] = value
        apply_edits(previous.source, revision.edits)  # a wrong path is a usage error now
        return revision
    if "ModelVersion" in declared:
        new = next_version(str(params["ModelVersion"]))
        revision.changes.append(f"ModelVersion {params['ModelVersion']} -> {new}")
        params["ModelVersion"] = new
    else:
        model = first_model(rendered, resource)
        revision.changes.append(f"model {model} revision {revision.model_revision}")
        revision.rename_model = True
        note_renamed(revision, resource, rendered)
    if bigger and "InstanceType" in declared:
        new_type = bigger_instance_type(str(params["InstanceType"]))
        if new_type:
            revision.changes.append(f"InstanceType {params['InstanceType']} -> {new_type}")
            params["InstanceType"] = new_type
    return revision


def note_renamed(revision: Revision, resource: str, rendered: Mapping[str, Any]) -> None:
    """Say so in the revision's changes when its model's fixed ModelName gets a new name."""
    try:
        model = first_model(rendered, resource)
    except DemoError:
        return
    if ((rendered["Resources"][model].get("Properties") or {}).get("ModelName")) is not None:
        revision.changes.append(
            f"{model}'s ModelName is fixed: named <name>-r{revision.model_revision}, as CloudFormation needs "
            "a new name to replace a model"
        )
