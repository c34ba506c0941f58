"""``sagemaker-rollout plan [--endpoint NAME] [--stack-name S] TEMPLATE``: what a deployment would do.

The template is rendered with the macro's code, the endpoint's properties are resolved as far as
they can be before a deployment, the live endpoint is read with the provider's own reader, and the
provider's own planner decides: what ``plan`` prints is what the provider would do, including its
refusals (exit status 1 with the reason).

What is resolved, and from where:

* parameters: ``-p K=V`` over ``--parameters FILE`` (CloudFormation's parameters file) over
  ``samconfig.toml``'s ``parameter_overrides`` over each parameter's ``Default``
  (:mod:`sagemaker_rollout_tools.parameters`); a parameter with no value is an error only if the
  endpoint depends on it;
* pseudo parameters: ``AWS::AccountId`` from STS ``GetCallerIdentity`` with your credentials (or
  ``--account``), ``AWS::Region`` from ``--region`` or your configuration, ``AWS::StackName`` from
  ``--stack-name``; an endpoint that depends on one that is unknown is an error naming the option;
* a model's fixed ``ModelName``; a model's generated name stays a placeholder such as
  ``<ModelA.ModelName>``, which counts as a change.

``--offline`` reads nothing from AWS: it validates the endpoint's properties with the provider's
own checks and shows what a create and an update would do, and lists what it could not check.

The endpoint is ``--endpoint``, else the template's ``EndpointName``, else the provider's default
name (from ``--stack-name`` and the logical id).

Template evaluation uses :mod:`sagemaker_rollout_tools.intrinsics` (imported when planning).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagemaker_rollout.macro import ENDPOINT_TYPE, REGISTRY_ENDPOINT_TYPE, MacroError
from sagemaker_rollout_tools.cli._common import (
    CliError,
    aws_setup_problem,
    fail,
    parse_parameters,
    read_template,
    render_template,
)

__all__ = ["PlanReport", "TemplateRefusedError", "build_plan", "format_plan", "register", "run"]


class TemplateRefusedError(Exception):
    """The endpoint's properties would be refused by the provider (one line naming the property)."""


def register(subparsers: Any) -> None:
    """Add the ``plan`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="show what an update of a live endpoint would do",
        description="Render TEMPLATE, read the live endpoint (standard boto3 credentials and region) "
        "and print what the provider would do: config changes by variant, whether a rollout is needed, "
        "strategy and steps, autoscaling to suspend, the worst case and its parts against the time "
        "limit, warnings. Exit status: 0 planned, 1 the provider would refuse (or the template asks to "
        "adopt an endpoint that does not exist), 2 unusable input, missing credentials or parameters.",
    )
    parser.add_argument(
        "template", type=Path, metavar="TEMPLATE", help="CloudFormation template (YAML or JSON)"
    )
    parser.add_argument(
        "--endpoint",
        default=None,
        metavar="NAME",
        help="the live SageMaker endpoint (default: the template's EndpointName, or the provider's default "
        "name from --stack-name)",
    )
    parser.add_argument(
        "--resource", default=None, metavar="ID", help="logical id of the endpoint resource (when several)"
    )
    parser.add_argument(
        "--parameter",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter value (repeatable; over --parameters and samconfig.toml)",
    )
    parser.add_argument(
        "--parameters",
        type=Path,
        default=None,
        metavar="FILE",
        help='CloudFormation parameters file: [{"ParameterKey": "K", "ParameterValue": "V"}, ...]',
    )
    parser.add_argument(
        "--config-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="samconfig.toml whose parameter_overrides to read (default: samconfig.toml beside TEMPLATE)",
    )
    parser.add_argument(
        "--config-env", default="default", metavar="ENV", help="samconfig.toml environment (default: default)"
    )
    parser.add_argument(
        "--region", default=None, help="AWS region (default: the standard boto3 configuration)"
    )
    parser.add_argument(
        "--account",
        default=None,
        metavar="ID",
        help="account id for AWS::AccountId (default: STS GetCallerIdentity; needed offline if used)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="plan against the template alone (no AWS call): validation, what a create and an update "
        "would do, and what could not be checked",
    )
    parser.add_argument(
        "--stack-name",
        default=None,
        help="stack name for AWS::StackName (default: a <AWS::StackName> placeholder); needed when the "
        "endpoint's name depends on it and --endpoint is not given",
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(func=run)


@dataclasses.dataclass(frozen=True)
class PlanReport:
    """A plan and what it was computed from.

    Attributes
    ----------
    resource:
        Logical id of the endpoint resource.
    endpoint:
        The live endpoint's name.
    exists:
        Whether the endpoint exists (False: the provider would create it; None: offline, unknown).
    current_status, current_config:
        ``EndpointStatus`` and config in use (None when it does not exist or offline).
    managed:
        Whether the endpoint carries the provider's ownership tags.
    plan:
        The provider's :class:`~sagemaker_rollout.planner.Plan` (offline: the create plan).
    notes:
        Things the plan command adds (name mismatch, ownership, where values came from).
    ownership_refusal:
        Why the provider would refuse an endpoint it does not own (its own wording), or None.
    adopt_missing:
        ``no endpoint named X to adopt``: the template asks to adopt an endpoint that does not exist.
    same_content:
        The endpoint runs a config with the template's content under another name.
    offline:
        Planned against the template alone; ``rollout`` is then what an update would do.
    not_checked:
        Offline: what could not be checked without reading the account.
    smoke:
        Where the resource's ``SmokeTest`` runs (:func:`smoke_lines`), one line each.
    """

    resource: str
    endpoint: str
    exists: bool | None
    current_status: str | None
    current_config: str | None
    managed: bool
    plan: Any
    notes: tuple[str, ...] = ()
    ownership_refusal: str | None = None
    adopt_missing: str | None = None
    same_content: bool = False
    offline: bool = False
    rollout: Any = None
    not_checked: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    smoke: tuple[str, ...] = ()

    @property
    def refusal(self) -> str | None:
        """Why the provider would fail the request before any change, or None."""
        return self.ownership_refusal or self.plan.refusal

    def to_dict(self) -> dict[str, Any]:
        document = {
            **self.plan.to_dict(),
            "refusal": self.refusal,
            "endpointName": self.endpoint,
            "resource": self.resource,
            "exists": self.exists,
            "currentStatus": self.current_status,
            "currentEndpointConfigName": self.current_config,
            "managedBySagemakerRollout": self.managed,
            "sameContentOtherConfigName": self.same_content,
            "noEndpointToAdopt": self.adopt_missing,
            "offline": self.offline,
            "notChecked": list(self.not_checked),
            "notes": list(self.notes),
        }
        document["warnings"] = [*document.get("warnings", []), *self.warnings]
        if self.rollout is not None:
            document["ifUpdated"] = self.rollout.to_dict()
        return document


#: What an offline plan cannot know (it reads nothing from the account).
NOT_CHECKED_OFFLINE = (
    "whether the endpoint exists, and what it runs: a create or an update, and whether its config's "
    "content already equals the template's (no rollout)",
    "its tags: whether sagemaker-rollout owns it, or another stack; for AdoptExistingEndpoint, the "
    "owner's consent tag sagemaker-rollout:adoptable=true",
    "autoscaling registered on its variants (suspended during a rollout that changes the instance type)",
    "the models a variant names by a literal ModelName, and instance types' availability and quotas",
)


def _pick(rendered: Mapping[str, Any], wanted: str | None) -> str:
    resources = rendered.get("Resources") or {}
    endpoints = [
        lid
        for lid, r in resources.items()
        if isinstance(r, Mapping) and r.get("Type") in (ENDPOINT_TYPE, REGISTRY_ENDPOINT_TYPE)
    ]
    if wanted is not None:
        if wanted not in endpoints:
            raise CliError(
                f"--resource {wanted}: not a Custom::SageMakerEndpoint or SageMakerRollout::Endpoint of the "
                f"template (endpoints: {', '.join(endpoints) or 'none'})"
            )
        return wanted
    if not endpoints:
        raise CliError("the template has no Custom::SageMakerEndpoint or SageMakerRollout::Endpoint")
    if len(endpoints) > 1:
        raise CliError(
            f"the template has several endpoints ({', '.join(endpoints)}): choose one with --resource"
        )
    return str(endpoints[0])


def _is_known(value: Any) -> bool:
    """A plain string without ``<...>`` placeholders (known before the deployment)."""
    return isinstance(value, str) and "<" not in value


def _fixed_model_names(rendered: Mapping[str, Any], resolver: Any) -> dict[str, dict[str, Any]]:
    """``Fn::GetAtt`` values of models with a fixed ``ModelName`` (CloudFormation keeps the name)."""
    from sagemaker_rollout_tools.intrinsics import UnresolvableError

    fixed: dict[str, dict[str, Any]] = {}
    for logical_id, resource in (rendered.get("Resources") or {}).items():
        if not (isinstance(resource, Mapping) and resource.get("Type") == "AWS::SageMaker::Model"):
            continue
        name = (resource.get("Properties") or {}).get("ModelName")
        if name is None:
            continue
        try:
            value = resolver.text(name, f"{logical_id}.Properties.ModelName")
        except UnresolvableError:
            continue
        if _is_known(value):
            fixed[str(logical_id)] = {"ModelName": value}
    return fixed


_PSEUDO_OPTIONS = {"AWS::AccountId": "--account ID", "AWS::StackName": "--stack-name NAME"}


def _unknowns(node: Any, path: str) -> list[tuple[str, str]]:
    """(path, what) of values a deployment would know and the plan does not: missing parameters,
    unknown pseudo parameters."""
    from sagemaker_rollout_tools.intrinsics import Missing

    found: list[tuple[str, str]] = []
    if isinstance(node, Missing):
        found.append((path, f"parameter {node.name}"))
    elif isinstance(node, str):
        for pseudo in _PSEUDO_OPTIONS:
            if f"<{pseudo}>" in node:
                found.append((path, pseudo))
        found.extend((path, f"parameter {name}") for name in _MISSING_MARK.findall(node))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            found.extend(_unknowns(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_unknowns(value, f"{path}[{index}]"))
    return found


_MISSING_MARK = re.compile(r"<([A-Za-z0-9]+)>")


def _unknown_error(logical_id: str, unknowns: list[tuple[str, str]], missing: set[str]) -> CliError:
    path, what = unknowns[0]
    if what.startswith("parameter "):
        names = sorted({w.removeprefix("parameter ") for _, w in unknowns if w.startswith("parameter ")})
        names = [name for name in names if name in missing] or names
        flags = " ".join(f"-p {name}=VALUE" for name in names)
        return CliError(
            f"{path}: depends on parameter{'s' if len(names) > 1 else ''} {', '.join(names)} without a value "
            f"(no Default); pass {flags}, or --parameters FILE, or set them in samconfig.toml "
            "parameter_overrides"
        )
    option = _PSEUDO_OPTIONS[what]
    if path.endswith(".EndpointName"):
        option += " or --endpoint NAME"
    return CliError(f"{path}: depends on {what}, which plan does not know here; pass {option}")


def gather_parameters(
    args: argparse.Namespace, template: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """Parameter values from samconfig.toml, ``--parameters`` and ``-p`` (in that order of
    precedence, lowest first), and a note per source used.

    Raises
    ------
    CliError
        A source that cannot be read, or a value for a parameter the template does not declare.
    """
    from sagemaker_rollout_tools.parameters import (
        SAMCONFIG,
        ParameterFileError,
        parameters_file,
        samconfig_overrides,
    )

    declared = template.get("Parameters") or {}
    values: dict[str, str] = {}
    notes: list[str] = []
    sources: list[tuple[str, dict[str, str]]] = []
    try:
        config = args.config_file or args.template.parent / SAMCONFIG
        if args.config_file is not None or config.is_file():
            from_config = samconfig_overrides(config, args.config_env)
            if from_config:
                sources.append((f"{config} [{args.config_env}] parameter_overrides", from_config))
        if args.parameters is not None:
            sources.append((f"--parameters {args.parameters}", parameters_file(args.parameters)))
    except ParameterFileError as err:
        raise CliError(str(err)) from None
    sources.append(("--parameter", parse_parameters(args.parameter)))
    for source, given in sources:
        unknown = sorted(set(given) - set(declared))
        if unknown:
            listed = ", ".join(sorted(str(name) for name in declared)) or "none"
            where = f"--parameter {unknown[0]}" if source == "--parameter" else source
            raise CliError(f"{where}: the template has no parameter {unknown[0]} (its parameters: {listed})")
        values.update(given)
        if given and source != "--parameter":
            notes.append(f"parameters {', '.join(sorted(given))} from {source}")
    return values, notes


def _model_package_notes(sm: Any, spec: Any) -> list[str]:
    """Warnings for variants naming (literally) a live model built from a model package
    (DescribeModel; best effort: a model that does not exist yet is skipped)."""
    found = []
    for index, variant in enumerate(spec.variants):
        name = variant.get("ModelName")
        if not isinstance(name, str) or "<" in name:
            continue
        try:
            described = sm.describe_model(ModelName=name)
        except Exception:  # the model may not exist yet, or be another account's
            continue
        containers = [described.get("PrimaryContainer") or {}, *(described.get("Containers") or [])]
        package = next((c["ModelPackageName"] for c in containers if c.get("ModelPackageName")), None)
        if package is not None and spec.deployment_config is not None:
            found.append(
                f"ProductionVariants[{index}].ModelName: model {name} is built from a model package "
                f"({package}); if it is an AWS Marketplace model package, SageMaker does not apply "
                "deployment guardrails (all at once, no final baking, no rollback alarms)"
            )
    return found


def build_plan(
    template: Mapping[str, Any],
    endpoint: str | None,
    *,
    sm: Any = None,
    aas: Any = None,
    parameters: Mapping[str, str] | None = None,
    resource: str | None = None,
    region: str = "us-east-1",
    stack_name: str | None = None,
    account_id: str | None = None,
    offline: bool = False,
) -> PlanReport:
    """Plan what deploying ``template`` would do to its endpoint (``endpoint``, or the template's).

    Parameters
    ----------
    sm, aas:
        SageMaker and Application Auto Scaling clients (not used ``offline``).
    account_id:
        ``AWS::AccountId``; None: unknown (an endpoint depending on it is an error).
    offline:
        Plan against the template alone.

    Raises
    ------
    CliError
        Unusable input (parameters, resource choice, unknown values, no endpoint name).
    MacroError, TemplateRefusedError
        The template is refused.
    """
    from sagemaker_rollout.aws.reading import read_endpoint
    from sagemaker_rollout.clock import SystemClock
    from sagemaker_rollout.naming import MANAGED_BY_TAG, config_name, default_endpoint_name
    from sagemaker_rollout.planner import plan_create, plan_update
    from sagemaker_rollout.planner.adoption import adoption_refusal
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
    from sagemaker_rollout_tools.advice import instance_type_warnings, model_package_warnings
    from sagemaker_rollout_tools.intrinsics import (
        Missing,
        Resolver,
        UnresolvableError,
        parameter_values,
        with_placeholders,
    )

    try:
        values = parameter_values(template, parameters or {}, allow_missing=True)
    except UnresolvableError as error:
        raise CliError(str(error)) from None
    missing = {name for name, value in values.items() if isinstance(value, Missing)}
    # the macro sees only known values; a compact resource that needs a missing one says so
    rendered = render_template(
        template, {k: v for k, v in values.items() if k not in missing and k in (parameters or {})}
    )
    logical_id = _pick(rendered, resource)
    account = account_id or "<AWS::AccountId>"
    resolver = Resolver(
        rendered,
        values,
        stack_name=stack_name or "<AWS::StackName>",
        region=region,
        account_id=account,
        placeholders=True,
    )
    resolver.attributes.update(_fixed_model_names(rendered, resolver))
    raw = rendered["Resources"][logical_id].get("Properties") or {}
    try:
        properties = resolver.resolve(raw, f"{logical_id}.Properties")
    except UnresolvableError as error:
        raise CliError(str(error)) from None
    properties = {k: v for k, v in properties.items() if k != "ServiceToken"}
    notes = []
    named = properties.get("EndpointName")
    if named is not None and not _is_known(named) and endpoint is not None:
        # only known at deploy time (``${AWS::StackName}`` without --stack-name): plan the given endpoint
        properties["EndpointName"] = endpoint
        notes.append(f"EndpointName is only known at deploy time; planned against endpoint {endpoint}")
        named = endpoint
    # values a deployment knows and plan does not: an error where they decide what rolls out (the
    # config's content, the endpoint's name), a note where they only show (alarm names, tags)
    shown_only = ("DeploymentConfig", "Tags")
    unknowns = _unknowns({k: v for k, v in properties.items() if k not in shown_only}, logical_id)
    if unknowns:
        raise _unknown_error(logical_id, unknowns, missing)
    for path, what in _unknowns({k: v for k, v in properties.items() if k in shown_only}, logical_id):
        notes.append(f"{path}: depends on {what}, shown as a <placeholder>")
    if endpoint is None:
        if named is not None:
            endpoint = str(named)
        elif stack_name is not None:
            stack_id = (
                f"arn:aws:cloudformation:{region}:{account_id or '123456789012'}:stack/{stack_name}/plan"
            )
            endpoint = default_endpoint_name(stack_id, logical_id)
        else:
            raise CliError(
                f"{logical_id} has no EndpointName (the provider derives it from the stack name): "
                "pass --stack-name NAME or --endpoint NAME"
            )
    from sagemaker_rollout.registry_type import REGISTRY_TIME_LIMIT, needs_registry_type, registry_type_note

    registry = rendered["Resources"][logical_id].get("Type") == REGISTRY_ENDPOINT_TYPE
    try:
        spec = parse_endpoint_properties(
            properties, allow_intrinsics=True, time_limit=REGISTRY_TIME_LIMIT if registry else None
        )
    except PropertyError as error:
        # Longer than any custom resource request: say that the registry type would carry it.
        note = "" if registry or not needs_registry_type(properties) else f"; {registry_type_note(False)}"
        raise TemplateRefusedError(f"{logical_id}.{error}{note}") from None
    spec = dataclasses.replace(spec, config=with_placeholders(dict(spec.config)))
    if isinstance(spec.endpoint_name, str) and spec.endpoint_name != endpoint:
        notes.append(
            f"the template names endpoint {spec.endpoint_name}, not {endpoint}: CloudFormation would create "
            f"{spec.endpoint_name} as a new endpoint"
        )
    warnings = [
        *instance_type_warnings(properties),
        *model_package_warnings(rendered, raw, guarded=spec.deployment_config is not None),
    ]
    target = config_name(endpoint, spec.config_digest)
    create = plan_create(spec, endpoint, target)
    if offline:
        return PlanReport(
            logical_id,
            endpoint,
            None,
            None,
            None,
            False,
            create,
            tuple(notes),
            offline=True,
            rollout=_update_preview(spec, endpoint, target),
            not_checked=NOT_CHECKED_OFFLINE,
            warnings=tuple(warnings),
            smoke=smoke_lines(spec),
        )
    warnings.extend(w for w in _model_package_notes(sm, spec) if w not in warnings)
    current = read_endpoint(sm, aas, SystemClock(), endpoint)
    if current is None:
        adopt_missing = None
        if spec.adopt_existing_endpoint:
            adopt_missing = (
                f"no endpoint named {endpoint} to adopt: AdoptExistingEndpoint is true, but SageMaker has no "
                f"endpoint {endpoint} in {region}; check EndpointName (the running endpoint's name: aws "
                "sagemaker list-endpoints) and the region, or remove AdoptExistingEndpoint to create it"
            )
        return PlanReport(
            logical_id,
            endpoint,
            False,
            None,
            None,
            False,
            create,
            tuple(notes),
            adopt_missing=adopt_missing,
            warnings=tuple(warnings),
            smoke=smoke_lines(spec),
        )
    managed = current.tags.get(MANAGED_BY_TAG) == "sagemaker-rollout"
    ownership_refusal = None
    if not managed:
        # the provider's own answer for an endpoint this resource does not own (a Create adopts)
        ownership_refusal = adoption_refusal(
            endpoint, current.tags, current.status, adopt=spec.adopt_existing_endpoint, request_type="Create"
        )
        if ownership_refusal is None:
            notes.append(
                f"AdoptExistingEndpoint: the provider would tag {endpoint} as owned, then converge it "
                "as below"
            )
    plan = plan_update(current, spec, target)
    same_content = plan.action in ("none", "retag") and current.config_name != target
    return PlanReport(
        logical_id,
        endpoint,
        True,
        current.status,
        current.config_name,
        managed,
        plan,
        tuple(notes),
        ownership_refusal,
        same_content=same_content,
        warnings=tuple(warnings),
        smoke=smoke_lines(spec),
    )


def _update_preview(spec: Any, endpoint: str, target: str) -> Any:
    """The plan of an update from an endpoint that runs other content (offline)."""
    from sagemaker_rollout.planner import plan_update
    from sagemaker_rollout.planner.model import CurrentEndpoint

    fields = {f.name for f in dataclasses.fields(CurrentEndpoint)}
    stand_in: dict[str, Any] = {
        "name": endpoint,
        "status": "InService",
        "config_name": f"{endpoint}-previous",
        "variants": tuple(spec.variants),
        "tags": {},
    }
    try:
        current = CurrentEndpoint(**{k: v for k, v in stand_in.items() if k in fields})
    except TypeError:
        return None
    # a config of other content (none is known): the planner's rollout, without variant diffs
    return dataclasses.replace(plan_update(current, spec, target), variant_changes=())


def format_plan(report: PlanReport) -> str:
    """The human-readable plan."""
    if report.offline:
        return _format_offline(report)
    plan = report.plan
    lines = []
    if report.adopt_missing is not None:
        lines.append(f"REFUSED: {report.adopt_missing}")
    elif not report.exists:
        lines.append(f"endpoint {report.endpoint} does not exist: the provider would create it")
    elif report.same_content:
        lines.append(
            f"endpoint {report.endpoint} ({report.current_status}) runs {report.current_config}: same "
            f"content as template resource {report.resource} asks for, other config name (the provider "
            f"would name it {plan.config_name}, and keeps {report.current_config} until a change rolls out)"
        )
    else:
        lines.append(
            f"endpoint {report.endpoint} ({report.current_status}) runs {report.current_config}; "
            f"template resource {report.resource} asks for {plan.config_name}"
        )
    if report.refusal is not None:
        lines.append(f"REFUSED: the provider would fail the request before any change: {report.refusal}")
    elif report.same_content:
        lines.append(
            f"{report.endpoint}: no rollout needed"
            + (" (tags only)" if plan.action == "retag" else f", it runs {report.current_config}")
        )
    elif report.adopt_missing is None:
        lines.append(plan.summary())
    lines.append("")
    lines.extend(_body(report, plan))
    warnings = [*plan.warnings, *report.warnings, *report.notes]
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {warning}" for warning in warnings)
    return "\n".join(lines)


def _format_offline(report: PlanReport) -> str:
    plan = report.plan
    lines = [
        f"offline plan of template resource {report.resource} for endpoint {report.endpoint} (nothing read "
        "from AWS)"
    ]
    if report.refusal is not None:
        lines.append(f"REFUSED: the provider would fail the request before any change: {report.refusal}")
    else:
        lines.append("the provider accepts these properties")
    lines.append("")
    lines.append(f"If {report.endpoint} does not exist: the provider creates it with {plan.config_name}")
    lines.extend(_body(report, plan))
    rollout = report.rollout
    if rollout is not None:
        lines.append("")
        lines.append(
            f"If {report.endpoint} exists and runs other content: the provider rolls {plan.config_name} out"
        )
        lines.extend(_body(report, rollout))
    lines.append("")
    lines.append("Not checked offline (plan without --offline reads them):")
    lines.extend(f"  - {item}" for item in report.not_checked)
    warnings = [*plan.warnings, *report.warnings, *report.notes]
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {warning}" for warning in warnings)
    return "\n".join(lines)


def _body(report: PlanReport, plan: Any) -> list[str]:
    lines = []
    if plan.variant_changes:
        lines.append("Variants:")
        for change in plan.variant_changes:
            lines.append(f"  {change.name}: {change.kind}")
            for key, (old, new) in sorted(change.fields.items()):
                lines.append(f"      {key}: {_show(old)} -> {_show(new)}")
    estimate = plan.estimate
    if plan.action in ("none", "retag"):
        lines.append("Rollout: no rollout needed" + (" (tags only)" if plan.action == "retag" else ""))
    elif plan.action == "wait":
        lines.append(
            f"Rollout: needed, after the endpoint leaves {report.current_status} (the provider waits)"
        )
    elif plan.action == "create":
        lines.append("Rollout: create the endpoint (CreateEndpoint: no traffic shifting, no update steps)")
    else:
        lines.append("Rollout: needed" + (" (refused)" if report.refusal is not None else ""))
    if plan.action in ("rollout", "wait"):
        lines.append(f"Strategy: {estimate.strategy}")
        lines.extend(f"  {number}. {step}" for number, step in enumerate(estimate.steps, start=1))
        if estimate.alarms and not plan.unguarded:
            lines.append(f"Rollback alarms: {', '.join(estimate.alarms)}")
        if plan.unguarded:
            lines.append(
                "Unguarded: this update rolls out WITHOUT its DeploymentConfig (AllowUnguardedRollout)"
            )
        if plan.irreversible:
            lines.append("Irreversible (AllowIrreversibleChanges):")
            lines.extend(f"  - {change}" for change in plan.irreversible)
    if plan.needs_rollout or plan.action == "wait":
        lines.extend(_deadline_lines(plan))
    if plan.action in ("rollout", "wait", "create"):
        lines.extend(report.smoke if plan.action != "create" else report.smoke[-1:])
    if plan.suspend_autoscaling:
        lines.append(
            f"Autoscaling suspended during the rollout: {', '.join(plan.suspend_autoscaling)} "
            "(restored afterwards)"
        )
    elif plan.action == "rollout" and not report.offline:
        lines.append("Autoscaling suspended during the rollout: none")
    if plan.tags_to_add or plan.tag_keys_to_remove:
        added = ", ".join(f"{t['Key']}={t['Value']}" for t in plan.tags_to_add)
        removed = ", ".join(plan.tag_keys_to_remove)
        lines.append(
            "Tags: "
            + "; ".join(
                part
                for part in (f"set {added}" if added else "", f"remove {removed}" if removed else "")
                if part
            )
        )
    return lines


def smoke_lines(spec: Any) -> tuple[str, ...]:
    """Where the resource's ``SmokeTest`` runs on its rollout's timeline (``plan`` prints them; the
    last line is the run after completion, which a create has too)."""
    from sagemaker_rollout.spec.deadline import brake_blocker
    from sagemaker_rollout.spec.smoke import calls_to_reach, smoke_bakes
    from sagemaker_rollout.spec.timeline import update_timeline

    test = spec.smoke_test
    if test is None:
        return ()
    variants = [v for v in spec.config.get("ProductionVariants", []) if isinstance(v, dict)]
    blocker = brake_blocker(spec.deployment_config, variants)
    lines = [f"Smoke test: {test.describe()}, each call at most 60 s"]
    for bake in smoke_bakes(update_timeline(spec.deployment_config, variants).parts, test.count):
        mixed = f"mixed fleet, {bake.share:.0%} new" if bake.mixed else "new fleet takes all traffic"
        if blocker:
            lines.append(f"  {bake.name} ({mixed}): not tested, nothing could stop the rollout ({blocker})")
        elif bake.runs:
            lines.append(f"  {bake.name} ({mixed}): {test.count} call(s); a failure trips the brake")
        else:
            needed = calls_to_reach(bake.share)
            lines.append(f"  {bake.name} ({mixed}): skipped, {needed} calls reach the new fleet with 95 %")
    lines.append(f"  after completion: {test.count} call(s); a failure goes back to the previous config")
    return tuple(lines)


def _deadline_lines(plan: Any) -> list[str]:
    """Expected duration (each part's basis), worst case, and the abort point or why there is none."""
    estimate, brake, limit = plan.estimate, plan.brake, plan.service_timeout
    lines = []
    if brake is not None:
        lines.append(f"Expected: {brake.expected_seconds:.0f} s of the {limit} s time limit:")
        lines.extend(
            f"  {part.expected.seconds:>6.0f} s  {part.name} ({part.expected.basis.value}"
            + (f": {part.expected.source})" if part.expected.source else ")")
            for part in brake.timeline.parts
        )
    share = 100 * estimate.worst_case_seconds / limit if limit else 0
    lines.append(f"Worst case: {estimate.worst_case_seconds} s of the {limit} s time limit ({share:.0f}%):")
    lines.extend(f"  {seconds:>6} s  {label}" for label, seconds in estimate.parts)
    if brake is None:
        return lines
    if brake.braked:
        lines.append(
            f"Abort point: {plan.abort_after:.0f} s into the request when in a bake (earlier by the time to "
            f"the next bake while a fleet launches): the time limit less the alarm's evaluation "
            f"({brake.evaluation.seconds:.0f} s, {brake.evaluation.basis.value}) and the rollback's worst "
            f"case ({brake.rollback.seconds:.0f} s, {brake.rollback.basis.value}: {brake.rollback.source}); "
            "unfinished then, the provider trips its brake alarm and answers FAILED"
        )
    else:
        lines.append(f"No brake: {brake.blocker}; the worst case must fit the time limit")
    return lines


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def run(args: argparse.Namespace) -> int:
    """Plan; 0 planned (including "would create"), 1 the provider would refuse, 2 unusable input."""
    try:
        template = read_template(args.template)
        parameters, sources = gather_parameters(args, template)
    except CliError as error:
        return fail(str(error), 2)
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        session = boto3.Session(region_name=args.region)
        region = args.region or session.region_name
        notes = list(sources)
        if region is None:
            region = "us-east-1"
            notes.append("no region configured: planned in us-east-1 (pass --region)")
        account = args.account
        sm = aas = None
        if not args.offline:
            try:
                credentials = session.get_credentials()
            except Exception as error:  # a credential provider misconfigured (profile, container URI)
                return fail(
                    f"plan: cannot load AWS credentials ({' '.join(str(error).split())[:200]}); fix the "
                    "configuration, or plan the template alone with --offline",
                    2,
                )
            if credentials is None:
                return fail(
                    "plan: no AWS credentials found (environment, ~/.aws, an instance or task role); "
                    "configure them, or plan the template alone with --offline (--account ID --region R "
                    "for pseudo parameters)",
                    2,
                )
            sm = session.client("sagemaker", region_name=region)
            aas = session.client("application-autoscaling", region_name=region)
            if account is None:
                account = str(session.client("sts", region_name=region).get_caller_identity()["Account"])
        report = build_plan(
            template,
            args.endpoint,
            sm=sm,
            aas=aas,
            parameters=parameters,
            resource=args.resource,
            region=region,
            stack_name=args.stack_name,
            account_id=account,
            offline=args.offline,
        )
        report = dataclasses.replace(report, notes=(*report.notes, *notes))
    except CliError as error:
        return fail(str(error), 2)
    except MacroError as error:
        return fail(str(error), 1)
    except TemplateRefusedError as error:
        return fail(str(error), 1)
    except (BotoCoreError, ClientError) as error:
        problem = aws_setup_problem(error)
        if problem is not None:
            return fail(f"plan: {problem}; fix the credentials, or plan with --offline", 2)
        what = args.endpoint or "the endpoint"
        return fail(f"plan: cannot read {what}: {' '.join(str(error).split())[:300]}", 1)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(format_plan(report))
    if report.adopt_missing is not None:
        return fail(f"{report.resource}: {report.adopt_missing}", 1)
    if report.refusal is not None:
        return fail(f"{report.resource}: refused: {report.refusal}", 1)
    return 0
