"""``sagemaker-rollout plan [--endpoint NAME] [--stack-name S] TEMPLATE``: what a deployment would do.

The template is rendered with the macro's code, the endpoint's properties are resolved as far as
they can be before a deployment (parameters, pseudo parameters, ``AWS::StackName`` from
``--stack-name``, a model's fixed ``ModelName``; a model's generated name stays a placeholder such as
``<ModelA.ModelName>``, which counts as a change), the live endpoint is read with the provider's own
reader, and the provider's own planner decides: what ``plan`` prints is what the provider would do,
including its refusals (exit status 1 with the reason).

The endpoint is ``--endpoint``, else the template's ``EndpointName``, else the provider's default
name (from ``--stack-name`` and the logical id).

Template evaluation uses :mod:`sagemaker_rollout_tools.intrinsics` (imported when planning).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sagemaker_rollout.macro import ENDPOINT_TYPE, REGISTRY_ENDPOINT_TYPE, MacroError
from sagemaker_rollout_tools.cli._common import (
    CliError,
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
        "limit, warnings. Exits 1 when the provider would refuse the update.",
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
        "--parameter", "-p", action="append", default=[], metavar="KEY=VALUE", help="template parameter value"
    )
    parser.add_argument(
        "--region", default=None, help="AWS region (default: the standard boto3 configuration)"
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
        Whether the endpoint exists (False: the provider would create it).
    current_status, current_config:
        ``EndpointStatus`` and config in use (None when it does not exist).
    managed:
        Whether the endpoint carries the provider's ownership tags.
    plan:
        The provider's :class:`~sagemaker_rollout.planner.Plan`.
    notes:
        Things the plan command adds (name mismatch, ownership).
    """

    resource: str
    endpoint: str
    exists: bool
    current_status: str | None
    current_config: str | None
    managed: bool
    plan: Any
    notes: tuple[str, ...] = ()
    ownership_refusal: str | None = None

    @property
    def refusal(self) -> str | None:
        """Why the provider would fail the request before any change, or None."""
        return self.ownership_refusal or self.plan.refusal

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.plan.to_dict(),
            "refusal": self.refusal,
            "endpointName": self.endpoint,
            "resource": self.resource,
            "exists": self.exists,
            "currentStatus": self.current_status,
            "managedBySagemakerRollout": self.managed,
            "notes": list(self.notes),
        }


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


def build_plan(
    template: Mapping[str, Any],
    endpoint: str | None,
    *,
    sm: Any,
    aas: Any,
    parameters: Mapping[str, str] | None = None,
    resource: str | None = None,
    region: str = "us-east-1",
    stack_name: str | None = None,
) -> PlanReport:
    """Plan what deploying ``template`` would do to its endpoint (``endpoint``, or the template's).

    Raises
    ------
    CliError
        Unusable input (parameters, resource choice, unresolvable values, no endpoint name).
    MacroError, TemplateRefusedError
        The template is refused.
    """
    from sagemaker_rollout.aws.reading import read_endpoint
    from sagemaker_rollout.clock import SystemClock
    from sagemaker_rollout.naming import MANAGED_BY_TAG, STACK_ID_TAG, config_name, default_endpoint_name
    from sagemaker_rollout.planner import plan_create, plan_update
    from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
    from sagemaker_rollout_tools.intrinsics import (
        Resolver,
        UnresolvableError,
        parameter_values,
        with_placeholders,
    )

    try:
        values = parameter_values(template, parameters or {})
    except UnresolvableError as error:
        raise CliError(str(error)) from None
    rendered = render_template(template, values)
    logical_id = _pick(rendered, resource)
    resolver = Resolver(
        rendered,
        values,
        stack_name=stack_name or "<AWS::StackName>",
        region=region,
        account_id="<AWS::AccountId>",
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
    if named is not None and not _is_known(named):
        # Only known at deploy time (``${AWS::StackName}`` without --stack-name): plan the given endpoint.
        if endpoint is None:
            raise CliError(
                f"{logical_id}.Properties.EndpointName depends on values known only at deploy time "
                f"({with_placeholders(named)}): pass --stack-name NAME or --endpoint NAME"
            )
        properties["EndpointName"] = endpoint
        notes.append(f"EndpointName is only known at deploy time; planned against endpoint {endpoint}")
        named = endpoint
    if endpoint is None:
        if named is not None:
            endpoint = str(named)
        elif stack_name is not None:
            stack_id = f"arn:aws:cloudformation:{region}:123456789012:stack/{stack_name}/plan"
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
    target = config_name(endpoint, spec.config_digest)
    current = read_endpoint(sm, aas, SystemClock(), endpoint)
    if current is None:
        return PlanReport(
            logical_id, endpoint, False, None, None, False, plan_create(spec, endpoint, target), tuple(notes)
        )
    managed = current.tags.get(MANAGED_BY_TAG) == "sagemaker-rollout"
    ownership_refusal = None
    if not managed:
        adoptable = (
            current.tags.get("sagemaker-rollout:adoptable") == "true" and STACK_ID_TAG not in current.tags
        )
        if spec.adopt_existing_endpoint and adoptable:
            notes.append(
                f"AdoptExistingEndpoint: the provider would tag {endpoint} as owned, "
                "then converge it as below"
            )
        else:
            ownership_refusal = (
                f"EndpointName: endpoint {endpoint} exists and is not managed by sagemaker-rollout; to "
                "bring it under the provider, tag it sagemaker-rollout:adoptable=true and set "
                "AdoptExistingEndpoint: true"
            )
    plan = plan_update(current, spec, target)
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
    )


def format_plan(report: PlanReport) -> str:
    """The human-readable plan."""
    plan = report.plan
    lines = []
    if not report.exists:
        lines.append(f"endpoint {report.endpoint} does not exist: the provider would create it")
    else:
        lines.append(
            f"endpoint {report.endpoint} ({report.current_status}) runs {report.current_config}; "
            f"template resource {report.resource} asks for {plan.config_name}"
        )
    if report.refusal is not None:
        lines.append(f"REFUSED: the provider would fail the request before any change: {report.refusal}")
    else:
        lines.append(plan.summary())
    lines.append("")
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
        share = 100 * estimate.worst_case_seconds / plan.service_timeout if plan.service_timeout else 0
        lines.append(
            f"Worst case: {estimate.worst_case_seconds} s of the {plan.service_timeout} s time limit "
            f"({share:.0f}%):"
        )
        lines.extend(f"  {seconds:>6} s  {label}" for label, seconds in estimate.parts)
    if plan.suspend_autoscaling:
        lines.append(
            f"Autoscaling suspended during the rollout: {', '.join(plan.suspend_autoscaling)} "
            "(restored afterwards)"
        )
    elif plan.action == "rollout":
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
    warnings = [*plan.warnings, *report.notes]
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {warning}" for warning in warnings)
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def run(args: argparse.Namespace) -> int:
    """Plan; 0 on success (including "would create"), 1 when the provider would refuse, 2 on usage errors."""
    try:
        template = read_template(args.template)
        parameters = parse_parameters(args.parameter)
    except CliError as error:
        return fail(str(error), 2)
    try:
        import boto3

        session = boto3.Session(region_name=args.region)
        region = session.region_name or "us-east-1"
        report = build_plan(
            template,
            args.endpoint,
            sm=session.client("sagemaker", region_name=region),
            aas=session.client("application-autoscaling", region_name=region),
            parameters=parameters,
            resource=args.resource,
            region=region,
            stack_name=args.stack_name,
        )
    except CliError as error:
        return fail(str(error), 2)
    except MacroError as error:
        return fail(str(error), 1)
    except TemplateRefusedError as error:
        return fail(str(error), 1)
    except Exception as error:  # AWS: credentials, permissions, network
        return fail(f"cannot read endpoint {args.endpoint or ''}: {' '.join(str(error).split())}", 1)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(format_plan(report))
    if report.refusal is not None:
        return fail(f"{report.resource}: refused: {report.refusal}", 1)
    return 0
