"""A miniature CloudFormation for the demo: deploy a rendered template into moto, in order.

moto's CloudFormation cannot run Lambda-backed custom resources without Docker, so the demo plays
the service itself: resources are created in dependency order with real boto3 calls against moto
and the SageMaker simulator (models, endpoint configs, endpoints, alarms, scalable targets, scaling
policies, topics, dashboards), custom resources are sent to the real provider handler through the
:class:`~sagemaker_rollout_testing.CloudFormationDriver`, and a failed update rolls the stack back
the way CloudFormation does (an Update back to the old properties, replacements created by the
failed update deleted).

CloudFormation's rules that it plays:

* Update behaviours from the resource reference pages. ``AWS::SageMaker::Model``: every property
  but ``Tags`` requires replacement
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-model.html);
  ``AWS::SageMaker::EndpointConfig``: likewise
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-endpointconfig.html);
  ``AWS::SageMaker::Endpoint``: ``EndpointName`` requires replacement, ``EndpointConfigName``,
  ``DeploymentConfig``, ``RetainAllVariantProperties``, ``ExcludeRetainedVariantProperties``,
  ``RetainDeploymentConfig`` and ``Tags`` update without interruption (UpdateEndpoint); ``Ref``
  of each is the ARN
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-endpoint.html).
* "You can't perform an update that causes a custom-named resource to be replaced"
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html); the
  update fails with "CloudFormation cannot update a stack when a custom-named resource requires
  replacing. Rename ... and update the stack again." (AWS Knowledge Center, "cloudformation-custom-name").
* ``DeletionPolicy: Retain`` keeps the resource when it is removed from the template or the stack
  is deleted; ``UpdateReplacePolicy: Retain`` keeps the old physical resource of a replacement
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html,
  .../aws-attribute-updatereplacepolicy.html). Resources absent from a new template are deleted in
  the cleanup phase, after every create and update succeeded.
* Values are converted to the types the API asks for (a YAML number or boolean where a string is
  wanted, as in a container's ``Environment``, becomes its text), as CloudFormation does.
* Resources it does not simulate stand in opaquely: a fake physical id, and every ``Fn::GetAtt``
  attribute resolves to a placeholder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.macro import dependency_graph
from sagemaker_rollout_tools.intrinsics import Resolver, UnresolvableError

__all__ = [
    "Deployed",
    "ResourceRefused",
    "SimulatedStack",
    "StackError",
    "StackOutcome",
    "deployment_order",
    "fixed_name_refusal",
    "requires_replacement",
]

CUSTOM_ENDPOINT_TYPE = "Custom::SageMakerEndpoint"
Notify = Callable[[str, str], None]


class StackError(RuntimeError):
    """The template cannot be deployed locally (one line naming the resource and why)."""


class ResourceRefused(RuntimeError):
    """CloudFormation refuses the change of one resource (the stack update fails and rolls back)."""


#: type -> (custom-name property, properties that update without replacement); every other property
#: of these types requires replacement (see the module docstring for the reference pages).
_UPDATE_RULES: dict[str, tuple[str, frozenset[str]]] = {
    "AWS::SageMaker::Model": ("ModelName", frozenset({"Tags"})),
    "AWS::SageMaker::EndpointConfig": ("EndpointConfigName", frozenset({"Tags"})),
    "AWS::SageMaker::Endpoint": (
        "EndpointName",
        frozenset(
            {
                "EndpointConfigName",
                "DeploymentConfig",
                "ExcludeRetainedVariantProperties",
                "RetainAllVariantProperties",
                "RetainDeploymentConfig",
                "Tags",
            }
        ),
    ),
}


def requires_replacement(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether CloudFormation replaces a resource of ``kind`` going from ``old`` to ``new`` properties.

    Only the SageMaker types the demo models natively are known; others update in place.
    """
    rules = _UPDATE_RULES.get(kind)
    if rules is None:
        return False
    changed = {key for key in {*old, *new} if old.get(key) != new.get(key)}
    return bool(changed - rules[1])


def fixed_name_refusal(
    logical_id: str, kind: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> str | None:
    """CloudFormation's refusal when a replacement would keep a custom name, else None."""
    rules = _UPDATE_RULES.get(kind)
    if rules is None or not requires_replacement(kind, old, new):
        return None
    name = new.get(rules[0])
    if name is None or name != old.get(rules[0]):
        return None
    return (
        "CloudFormation cannot update a stack when a custom-named resource requires replacing. "
        f"Rename {name} and update the stack again. ({logical_id}.{rules[0]} is fixed; "
        f"{', '.join(sorted(k for k in {*old, *new} if old.get(k) != new.get(k)))} changed)"
    )


@dataclass
class Deployed:
    """One resource as deployed: physical id (``Ref``), resolved properties, ``Fn::GetAtt`` values."""

    logical_id: str
    type: str
    physical_id: str
    properties: dict[str, Any]
    attributes: dict[str, Any] = field(default_factory=dict)
    ref: Any = None
    deletion_policy: str | None = None
    update_replace_policy: str | None = None
    opaque: bool = False

    @property
    def ref_value(self) -> Any:
        return self.physical_id if self.ref is None else self.ref

    @property
    def label(self) -> str:
        """A short, readable name for timelines."""
        if self.type == "AWS::ApplicationAutoScaling::ScalableTarget":
            return str(self.properties.get("ResourceId", self.physical_id))
        if self.type == "AWS::ApplicationAutoScaling::ScalingPolicy":
            return str(self.properties.get("PolicyName", self.physical_id))
        if self.type == "AWS::SNS::Topic":
            return str(self.attributes.get("TopicName", self.physical_id))
        return self.physical_id


@dataclass
class StackOutcome:
    """Result of one stack operation.

    Attributes
    ----------
    ok:
        Every resource succeeded.
    failed_resource, reason:
        The first resource that failed, and why.
    responses:
        CloudFormation's view of every custom resource request, by logical id.
    rollback_responses:
        Custom resource answers during the rollback that followed a failure.
    """

    ok: bool
    failed_resource: str | None = None
    reason: str | None = None
    responses: dict[str, Any] = field(default_factory=dict)
    rollback_responses: dict[str, Any] = field(default_factory=dict)


def deployment_order(
    template: Mapping[str, Any], include: Callable[[str], bool] = lambda _: True
) -> list[str]:
    """Logical ids in an order that creates dependencies first (template order among equals)."""
    graph = dependency_graph(template)
    names = [name for name in (template.get("Resources") or {}) if include(name)]
    pending = {name: {dep for dep in graph.get(name, set()) if dep in names} for name in names}
    order: list[str] = []
    while pending:
        ready = [name for name in names if name in pending and not pending[name]]
        if not ready:
            raise StackError(f"Resources: dependency cycle among {', '.join(sorted(pending))}")
        for name in ready:
            del pending[name]
            order.append(name)
            for deps in pending.values():
                deps.discard(name)
    return order


def _digest(value: Any, length: int = 10) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:length]


def _generated_name(stack: str, logical_id: str, properties: Any, limit: int = 63) -> str:
    suffix = _digest(properties, 10)
    return f"{f'{stack}-{logical_id}'[: limit - 11]}-{suffix}"


def _sagemaker_name(stack: str, logical_id: str, properties: Any) -> str:
    """A generated SageMaker name, lowercase.

    CloudFormation's generated names keep the logical id's case, but SageMaker lowercases the
    names in its ARNs (``arn:aws:sagemaker:...:endpoint/<lowercase name>``) while moto keeps the
    case: a lowercase name keeps names and ARNs consistent in the simulated account.
    """
    return _generated_name(stack, logical_id, properties).lower()


def coerce_to_shape(shape: Any, value: Any) -> Any:
    """Turn CloudFormation's strings into the numbers and booleans the API shape asks for."""
    kind = getattr(shape, "type_name", None)
    if kind == "structure" and isinstance(value, Mapping):
        return {
            k: coerce_to_shape(shape.members[k], v) if k in shape.members else v for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [coerce_to_shape(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: coerce_to_shape(shape.value, v) for k, v in value.items()}
    try:
        if kind in ("integer", "long") and isinstance(value, str | float):
            return (
                int(float(value))
                if not isinstance(value, str) or value.strip().lstrip("-").isdigit()
                else value
            )
        if kind in ("float", "double") and isinstance(value, str | int) and not isinstance(value, bool):
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string" and isinstance(value, int | float):
        return str(value)
    return value


class SimulatedStack:
    """One stack deployed into moto, with custom resources sent through a driver.

    Parameters
    ----------
    session:
        boto3 session whose clients hit moto.
    driver:
        A running :class:`~sagemaker_rollout_testing.CloudFormationDriver` for the provider.
    stack_name, region, account_id:
        The stack (the driver's names are used for events).
    exports:
        ``Fn::ImportValue`` names -> values (or a callable).
    notify:
        Called with ``(kind, text)`` for each resource operation (``stack`` kind).
    clock:
        The simulated clock CloudFormation waits on for native endpoints (``sleep``); None: no
        native ``AWS::SageMaker::Endpoint`` can be deployed.
    """

    def __init__(
        self,
        *,
        session: Any,
        driver: Any,
        stack_name: str,
        region: str,
        account_id: str,
        exports: Mapping[str, Any] | Callable[[str], Any],
        notify: Notify | None = None,
        clock: Any = None,
    ) -> None:
        self.session = session
        self.driver = driver
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.exports = exports
        self.notify: Notify = notify or (lambda kind, text: None)
        self.clock = clock
        self.template: dict[str, Any] = {"Resources": {}}
        self.parameters: dict[str, Any] = {}
        self.resources: dict[str, Deployed] = {}
        self._retired: list[Deployed] = []
        self.left_behind: list[Deployed] = []
        """Resources removed from the stack but kept in AWS (``DeletionPolicy``/``UpdateReplacePolicy``)."""
        self._clients: dict[str, Any] = {}

    # ---- helpers ---------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]

    def _call(self, service: str, operation: str, params: Mapping[str, Any]) -> Any:
        client = self.client(service)
        model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
        return getattr(client, operation)(**coerce_to_shape(model.input_shape, dict(params)))

    def resolver(self, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> Resolver:
        resolver = Resolver(
            template,
            parameters,
            stack_name=self.stack_name,
            region=self.region,
            account_id=self.account_id,
            exports=self.exports,
            stack_id=getattr(self.driver, "stack_id", None),
        )
        for logical_id, deployed in self.resources.items():
            resolver.refs[logical_id] = deployed.ref_value
            resolver.attributes[logical_id] = dict(deployed.attributes)
        resolver.opaque_attribute = self._opaque_attribute
        return resolver

    def _opaque_attribute(self, logical_id: str, attribute: str) -> Any:
        deployed = self.resources.get(logical_id)
        if deployed is None or not deployed.opaque:
            return None
        if attribute == "Arn" or attribute.endswith("Arn"):
            return f"arn:aws:simulated:{self.region}:{self.account_id}:{deployed.physical_id}"
        return f"{deployed.physical_id}-{attribute.replace('.', '-')}"

    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved against the deployed resources (unresolvable: skipped)."""
        resolver = self.resolver(self.template, self.parameters)
        values = {}
        outputs = self.template.get("Outputs")
        for name, output in outputs.items() if isinstance(outputs, Mapping) else []:
            if not isinstance(output, Mapping):
                continue
            try:
                values[name] = resolver.resolve(output.get("Value"), f"Outputs.{name}")
            except UnresolvableError:
                continue
        return values

    # ---- create / update -------------------------------------------------------------------------
    def _status(self, status: str) -> None:
        """The stack's status, as DescribeStacks reports it to the provider (the driver's simulated
        CloudFormation: :attr:`CloudFormationDriver.cloudformation`)."""
        setter = getattr(self.driver, "set_stack_status", None)
        if setter is not None and getattr(self.driver, "cloudformation", None) is not None:
            setter(status)

    def deploy(self, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> StackOutcome:
        """Create the stack, or update it to ``template`` with ``parameters``; roll back on failure.

        The stack's status follows CloudFormation's ("Stack status codes", CloudFormation user
        guide, view-stack-events.html#cfn-console-view-stack-data-resources-status-codes): *_IN_PROGRESS
        while resources are created and updated, ``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`` while the
        resources a successful update replaced or removed are deleted, rollback statuses after a
        failure; the provider reads it (DescribeStacks) to delete or release an adopted endpoint.
        """
        previous_template, previous_parameters = self.template, self.parameters
        creating = not self.resources
        self._status("CREATE_IN_PROGRESS" if creating else "UPDATE_IN_PROGRESS")
        outcome = self._apply(dict(template), dict(parameters))
        if outcome.ok:
            self._status(f"{'CREATE' if creating else 'UPDATE'}_COMPLETE_CLEANUP_IN_PROGRESS")
            self._cleanup(f"{'CREATE' if creating else 'UPDATE'}_COMPLETE_CLEANUP_IN_PROGRESS")
            self._remove_absent()
            self._status(f"{'CREATE' if creating else 'UPDATE'}_COMPLETE")
            self.notify("stack", f"{'CREATE' if creating else 'UPDATE'}_COMPLETE")
            return outcome
        self.notify("stack", f"{'ROLLBACK' if creating else 'UPDATE_ROLLBACK'}_IN_PROGRESS: {outcome.reason}")
        if creating:
            self._status("ROLLBACK_IN_PROGRESS")
            self.delete(quiet=True, status="ROLLBACK_IN_PROGRESS")
            self._status("ROLLBACK_COMPLETE")
            self.notify("stack", "ROLLBACK_COMPLETE")
            return outcome
        self._status("UPDATE_ROLLBACK_IN_PROGRESS")
        rollback = self._apply(previous_template, previous_parameters, rolling_back=True)
        outcome.rollback_responses = rollback.responses
        self._status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self._cleanup("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self._remove_absent()
        self._status("UPDATE_ROLLBACK_COMPLETE" if rollback.ok else "UPDATE_ROLLBACK_FAILED")
        self.notify(
            "stack",
            "UPDATE_ROLLBACK_COMPLETE" if rollback.ok else f"UPDATE_ROLLBACK_FAILED: {rollback.reason}",
        )
        return outcome

    def _apply(
        self, template: dict[str, Any], parameters: dict[str, Any], *, rolling_back: bool = False
    ) -> StackOutcome:
        self.template, self.parameters = template, parameters
        resources = template.get("Resources") or {}
        resolver = self.resolver(template, parameters)
        try:
            active = {lid for lid, res in resources.items() if resolver.active(res, lid)}
        except UnresolvableError as error:
            raise StackError(str(error)) from None
        outcome = StackOutcome(ok=True)
        for logical_id in deployment_order(template, lambda lid: lid in active):
            resource = resources[logical_id]
            kind = str(resource.get("Type"))
            try:
                properties = resolver.resolve(
                    resource.get("Properties") or {}, f"Resources.{logical_id}.Properties"
                )
            except UnresolvableError as error:
                raise StackError(str(error)) from None
            if not isinstance(properties, dict):
                # CloudFormation validates the template before any resource: Properties is an
                # object ("Template format error" otherwise; template anatomy, Resources section)
                raise StackError(
                    f"Resources.{logical_id}.Properties must be a mapping of property names to "
                    f"values, not {type(properties).__name__.lstrip('_')}"
                )
            current = self.resources.get(logical_id)
            policies = _policies(resource)
            if current is not None and current.type == kind and current.properties == properties:
                current.deletion_policy, current.update_replace_policy = policies
                continue
            try:
                if current is not None and current.type != kind:
                    raise ResourceRefused(
                        f"Update of resource type is not permitted ({logical_id}: {current.type} -> {kind}); "
                        "CloudFormation refuses to change a resource's type"
                    )
                refusal = (
                    fixed_name_refusal(logical_id, kind, current.properties, properties)
                    if current is not None
                    else None
                )
                if refusal is not None:
                    raise ResourceRefused(refusal)
                deployed, response = self._put(logical_id, kind, properties, current, rolling_back)
                deployed.deletion_policy, deployed.update_replace_policy = policies
            except Exception as error:  # an AWS call failed: the resource fails, the stack rolls back
                if isinstance(error, StackError):
                    raise
                reason = _error_text(error)
                self.notify("stack", f"{logical_id}: {'UPDATE' if current else 'CREATE'}_FAILED: {reason}")
                outcome.ok, outcome.failed_resource, outcome.reason = False, logical_id, reason
                return outcome
            if response is not None:
                outcome.responses[logical_id] = response
                if response.status != "SUCCESS":
                    if current is not None:
                        current.properties = properties  # the rollback sends the old properties back
                    outcome.ok, outcome.failed_resource = False, logical_id
                    outcome.reason = f"{logical_id}: {response.reason}"
                    return outcome
            if current is not None and current.physical_id != deployed.physical_id:
                self._retired.append(current)
            self.resources[logical_id] = deployed
            resolver.refs[logical_id] = deployed.ref_value
            resolver.attributes[logical_id] = dict(deployed.attributes)
        return outcome

    def _put(
        self,
        logical_id: str,
        kind: str,
        properties: dict[str, Any],
        current: Deployed | None,
        rolling_back: bool,
    ) -> tuple[Deployed, Any]:
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            return self._custom(logical_id, kind, properties, current, rolling_back)
        handler = _HANDLERS.get(kind)
        if handler is None:
            physical = (
                current.physical_id
                if current is not None and current.opaque
                else f"{self.stack_name}-{logical_id}-{_digest(properties, 8)}"
            )
            deployed = Deployed(logical_id, kind, physical, properties, {}, opaque=True)
            if current is None:
                self.notify("stack", f"{logical_id} ({kind}): not simulated, stands in as {physical}")
            return deployed, None
        revived = self._revive(logical_id, kind, properties)
        if revived is not None:
            self.notify("stack", f"{logical_id}: back to {revived.label}")
            return revived, None
        deployed = handler(self, logical_id, properties, current)
        verb = "created" if current is None or current.physical_id != deployed.physical_id else "updated"
        what = "replacement " if verb == "created" and current is not None else ""
        self.notify("stack", f"{logical_id} ({kind}): {what}{deployed.label} {verb}")
        return deployed, None

    def _revive(self, logical_id: str, kind: str, properties: dict[str, Any]) -> Deployed | None:
        for index, old in enumerate(self._retired):
            if old.logical_id == logical_id and old.type == kind and old.properties == properties:
                return self._retired.pop(index)
        return None

    def _custom(
        self,
        logical_id: str,
        kind: str,
        properties: dict[str, Any],
        current: Deployed | None,
        rolling_back: bool = False,
    ) -> tuple[Deployed, Any]:
        token = properties.get("ServiceToken")
        if token != self.driver.function_arn:
            raise StackError(
                f"Resources.{logical_id}.Properties.ServiceToken: {token!r} is not the simulated provider "
                f"{self.driver.function_arn}"
            )
        body = {k: v for k, v in properties.items() if k != "ServiceToken"}
        if current is None:
            response = self.driver.create(body, logical_id=logical_id, resource_type=kind)
        else:
            old = {k: v for k, v in current.properties.items() if k != "ServiceToken"}
            response = self.driver.update(
                current.physical_id,
                body,
                old,
                logical_id=logical_id,
                resource_type=kind,
                rollback=rolling_back,
            )
        physical = response.physical_resource_id or (current.physical_id if current else "")
        return Deployed(logical_id, kind, physical, properties, dict(response.data)), response

    # ---- delete ----------------------------------------------------------------------------------
    def delete(self, *, quiet: bool = False, status: str = "DELETE_IN_PROGRESS") -> StackOutcome:
        """Delete every resource, dependents first (the stack ``DELETE_IN_PROGRESS``, or the
        ``status`` of a rollback that deletes what a failed create made)."""
        self._status(status)
        outcome = StackOutcome(ok=True)
        order = deployment_order(self.template, lambda lid: lid in self.resources)
        extra = [lid for lid in self.resources if lid not in order]
        for logical_id in [*extra, *reversed(order)]:
            deployed = self.resources[logical_id]
            response = self._remove(deployed)
            if response is not None:
                outcome.responses[logical_id] = response
                if response.status != "SUCCESS":
                    outcome.ok, outcome.failed_resource = False, logical_id
                    outcome.reason = f"{logical_id}: {response.reason}"
                    self.notify("stack", f"DELETE_FAILED: {outcome.reason}")
                    return outcome
            del self.resources[logical_id]
        self._cleanup(None)
        if not quiet:
            self.notify("stack", "DELETE_COMPLETE")
        return outcome

    def _remove(self, deployed: Deployed, *, replaced: bool = False) -> Any:
        kind = deployed.type
        policy = deployed.update_replace_policy if replaced else deployed.deletion_policy
        if policy == "Retain":
            attribute = "UpdateReplacePolicy" if replaced else "DeletionPolicy"
            self.left_behind.append(deployed)
            self.notify(
                "stack",
                f"{deployed.logical_id} ({kind}): {deployed.label} retained ({attribute}: Retain), "
                "removed from the stack",
            )
            return None
        if deployed.opaque:
            return None
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            body = {k: v for k, v in deployed.properties.items() if k != "ServiceToken"}
            return self.driver.delete(
                deployed.physical_id, body, logical_id=deployed.logical_id, resource_type=kind
            )
        remover = _REMOVERS.get(kind)
        if remover is not None:
            try:
                remover(self, deployed)
            except Exception as error:
                self.notify(
                    "stack", f"{deployed.logical_id}: delete failed ({_error_text(error)}); left behind"
                )
                return None
            self.notify("stack", f"{deployed.logical_id} ({kind}): {deployed.label} deleted")
        return None

    def _cleanup(self, phase: str | None) -> None:
        if self._retired and phase:
            self.notify("stack", phase)
        while self._retired:
            self._remove(self._retired.pop(0), replaced=True)

    def _remove_absent(self) -> None:
        resources = self.template.get("Resources") or {}
        resolver = self.resolver(self.template, self.parameters)
        gone = [
            lid for lid in self.resources if lid not in resources or not resolver.active(resources[lid], lid)
        ]
        for logical_id in gone:
            self._remove(self.resources.pop(logical_id))


def _policies(resource: Mapping[str, Any]) -> tuple[str | None, str | None]:
    deletion, replace = resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")
    return (
        str(deletion) if deletion is not None else None,
        str(replace) if replace is not None else None,
    )


def _error_text(error: BaseException) -> str:
    if isinstance(error, ResourceRefused):
        return str(error)
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        err = response.get("Error") or {}
        return f"{err.get('Code', type(error).__name__)}: {err.get('Message', error)}"
    return " ".join(f"{type(error).__name__}: {error}".split())


# ---- resource types ----------------------------------------------------------------------------------

_MODEL_KEYS = (
    "PrimaryContainer",
    "Containers",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
    "InferenceExecutionConfig",
    "Tags",
)


def _retag(stack: SimulatedStack, current: Deployed, props: dict[str, Any]) -> Deployed:
    """An in-place update of a SageMaker resource whose only change is ``Tags``."""
    tags = props.get("Tags") or []
    if tags:
        stack._call("sagemaker", "add_tags", {"ResourceArn": current.ref_value, "Tags": tags})
    gone = {t.get("Key") for t in current.properties.get("Tags") or []} - {t.get("Key") for t in tags}
    if gone:
        stack._call("sagemaker", "delete_tags", {"ResourceArn": current.ref_value, "TagKeys": sorted(gone)})
    return Deployed(
        current.logical_id,
        current.type,
        current.physical_id,
        props,
        dict(current.attributes),
        ref=current.ref,
    )


def _api_arguments(
    stack: SimulatedStack, logical_id: str, operation: str, props: Mapping[str, Any]
) -> dict[str, Any]:
    """The properties the API operation takes (the others are reported, not sent)."""
    client = stack.client("sagemaker")
    shape = client.meta.service_model.operation_model(
        client.meta.method_to_api_mapping[operation]
    ).input_shape
    unknown = sorted(k for k in props if k not in shape.members)
    if unknown:
        stack.notify(
            "stack", f"{logical_id}: {', '.join(unknown)} not sent ({operation} has no such parameter)"
        )
    return {k: v for k, v in props.items() if k in shape.members}


def _model(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    # Every property of AWS::SageMaker::Model but Tags requires replacement: a change is a new model.
    if current is not None and not requires_replacement("AWS::SageMaker::Model", current.properties, props):
        return _retag(stack, current, props)
    name = str(props.get("ModelName") or _sagemaker_name(stack.stack_name, logical_id, props))
    arguments = {"ModelName": name, **{k: props[k] for k in _MODEL_KEYS if k in props}}
    arn = stack._call("sagemaker", "create_model", arguments)["ModelArn"]
    return Deployed(logical_id, "AWS::SageMaker::Model", name, props, {"ModelName": name}, ref=arn)


def _endpoint_config(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    kind = "AWS::SageMaker::EndpointConfig"
    if current is not None and not requires_replacement(kind, current.properties, props):
        return _retag(stack, current, props)
    name = str(props.get("EndpointConfigName") or _sagemaker_name(stack.stack_name, logical_id, props))
    arguments = {
        **_api_arguments(stack, logical_id, "create_endpoint_config", props),
        "EndpointConfigName": name,
    }
    arn = stack._call("sagemaker", "create_endpoint_config", arguments)["EndpointConfigArn"]
    return Deployed(logical_id, kind, name, props, {"EndpointConfigName": name}, ref=arn)


def _remove_endpoint_config(stack: SimulatedStack, deployed: Deployed) -> None:
    stack.client("sagemaker").delete_endpoint_config(EndpointConfigName=deployed.physical_id)


_BUSY = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"})
_UPDATE_KEYS = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
)


def _settled(stack: SimulatedStack, name: str) -> dict[str, Any] | None:
    """Wait (simulated time) until the endpoint leaves its in-progress status; None once it is gone.

    CloudFormation's handler for ``AWS::SageMaker::Endpoint`` completes only when the endpoint is
    ``InService`` (or fails), polling DescribeEndpoint.
    """
    sm = stack.client("sagemaker")
    while True:
        try:
            described: dict[str, Any] = sm.describe_endpoint(EndpointName=name)
        except sm.exceptions.ClientError as error:
            if "Could not find" in str(error):
                return None
            raise
        if described["EndpointStatus"] not in _BUSY:
            return described
        if stack.clock is None:
            raise StackError(f"endpoint {name}: waiting for it needs the simulated clock")
        stack.clock.sleep(30.0)


def _endpoint(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    kind = "AWS::SageMaker::Endpoint"
    sm = stack.client("sagemaker")
    config = str(props.get("EndpointConfigName"))
    if current is not None and not requires_replacement(kind, current.properties, props):
        name = current.physical_id
        running = (_settled(stack, name) or {}).get("EndpointConfigName")
        if running != config or any(current.properties.get(k) != props.get(k) for k in _UPDATE_KEYS):
            arguments = {"EndpointName": name, "EndpointConfigName": config}
            arguments.update({k: props[k] for k in _UPDATE_KEYS if k in props})
            stack._call("sagemaker", "update_endpoint", arguments)
            described = _settled(stack, name) or {}
            if (
                described.get("EndpointConfigName") != config
                or described.get("EndpointStatus") != "InService"
            ):
                raise ResourceRefused(
                    f"Endpoint {name} is {described.get('EndpointStatus')} on "
                    f"{described.get('EndpointConfigName')}, not on {config}: "
                    f"{described.get('FailureReason') or 'the update was rolled back'}"
                )
        if current.properties.get("Tags") != props.get("Tags"):
            _retag(stack, current, props)
        return Deployed(logical_id, kind, name, props, dict(current.attributes), ref=current.ref)
    name = str(props.get("EndpointName") or _sagemaker_name(stack.stack_name, logical_id, "endpoint"))
    arguments = {"EndpointName": name, "EndpointConfigName": config}
    if props.get("Tags"):
        arguments["Tags"] = props["Tags"]
    arn = stack._call("sagemaker", "create_endpoint", arguments)["EndpointArn"]
    described = _settled(stack, name) or {}
    if described.get("EndpointStatus") != "InService":
        reason = described.get("FailureReason") or described.get("EndpointStatus")
        sm.delete_endpoint(EndpointName=name)
        _settled(stack, name)
        raise ResourceRefused(f"Endpoint {name} did not reach InService: {reason}")
    return Deployed(logical_id, kind, name, props, {"EndpointName": name}, ref=arn)


def _remove_endpoint(stack: SimulatedStack, deployed: Deployed) -> None:
    if _settled(stack, deployed.physical_id) is None:
        return
    stack.client("sagemaker").delete_endpoint(EndpointName=deployed.physical_id)
    _settled(stack, deployed.physical_id)


def _remove_model(stack: SimulatedStack, deployed: Deployed) -> None:
    stack.client("sagemaker").delete_model(ModelName=deployed.physical_id)


def _alarm(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    """CloudFormation tags what it creates with the stack-level ``aws:cloudformation:*`` tags (user
    guide, "Tag your CloudFormation resources"); PutMetricAlarm ignores tags on an update."""
    name = str(props.get("AlarmName") or _generated_name(stack.stack_name, logical_id, "alarm", 255))
    tags = [
        {"Key": "aws:cloudformation:stack-id", "Value": str(getattr(stack.driver, "stack_id", ""))},
        {"Key": "aws:cloudformation:stack-name", "Value": stack.stack_name},
        {"Key": "aws:cloudformation:logical-id", "Value": logical_id},
    ]
    stack._call("cloudwatch", "put_metric_alarm", {**props, "AlarmName": name, "Tags": tags})
    arn = f"arn:aws:cloudwatch:{stack.region}:{stack.account_id}:alarm:{name}"
    return Deployed(logical_id, "AWS::CloudWatch::Alarm", name, props, {"Arn": arn})


def _remove_alarm(stack: SimulatedStack, deployed: Deployed) -> None:
    stack.client("cloudwatch").delete_alarms(AlarmNames=[deployed.physical_id])


def _target_key(props: Mapping[str, Any]) -> str:
    return f"{props.get('ResourceId')}|{props.get('ScalableDimension')}|{props.get('ServiceNamespace')}"


def _scalable_target(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    arguments = {k: v for k, v in props.items() if k != "ScheduledActions"}
    if "ScheduledActions" in props:
        stack.notify("stack", f"{logical_id}: ScheduledActions are not simulated")
    if current is not None and _target_key(current.properties) != _target_key(props):
        stack._call(
            "application-autoscaling", "deregister_scalable_target", _target_fields(current.properties)
        )
    stack._call("application-autoscaling", "register_scalable_target", arguments)
    key = _target_key(props)
    return Deployed(logical_id, "AWS::ApplicationAutoScaling::ScalableTarget", key, props, {})


def _target_fields(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in ("ServiceNamespace", "ResourceId", "ScalableDimension") if k in props}


def _remove_scalable_target(stack: SimulatedStack, deployed: Deployed) -> None:
    try:
        stack._call(
            "application-autoscaling", "deregister_scalable_target", _target_fields(deployed.properties)
        )
    except Exception as error:
        if "No scalable target" not in str(error):
            raise


def _policy_arguments(props: Mapping[str, Any]) -> dict[str, Any]:
    arguments = {k: v for k, v in props.items() if k != "ScalingTargetId"}
    target_id = props.get("ScalingTargetId")
    if isinstance(target_id, str):
        resource_id, dimension, namespace = ([*target_id.split("|"), "", ""])[:3]
        arguments.setdefault("ResourceId", resource_id)
        arguments.setdefault("ScalableDimension", dimension)
        arguments.setdefault("ServiceNamespace", namespace)
    return arguments


def _scaling_policy(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    response = stack._call("application-autoscaling", "put_scaling_policy", _policy_arguments(props))
    arn = response["PolicyARN"]
    return Deployed(logical_id, "AWS::ApplicationAutoScaling::ScalingPolicy", arn, props, {"Arn": arn})


def _remove_scaling_policy(stack: SimulatedStack, deployed: Deployed) -> None:
    arguments = _policy_arguments(deployed.properties)
    try:
        stack._call(
            "application-autoscaling",
            "delete_scaling_policy",
            {"PolicyName": arguments["PolicyName"], **_target_fields(arguments)},
        )
    except Exception as error:
        if "no scaling policy" not in str(error).lower() and "not found" not in str(error).lower():
            raise


def _topic(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    name = str(props.get("TopicName") or _generated_name(stack.stack_name, logical_id, "topic", 256))
    arn = stack.client("sns").create_topic(Name=name)["TopicArn"]
    return Deployed(logical_id, "AWS::SNS::Topic", arn, props, {"TopicArn": arn, "TopicName": name})


def _remove_topic(stack: SimulatedStack, deployed: Deployed) -> None:
    stack.client("sns").delete_topic(TopicArn=deployed.physical_id)


def _dashboard(
    stack: SimulatedStack, logical_id: str, props: dict[str, Any], current: Deployed | None
) -> Deployed:
    name = str(props.get("DashboardName") or _generated_name(stack.stack_name, logical_id, "dashboard", 255))
    stack._call(
        "cloudwatch", "put_dashboard", {"DashboardName": name, "DashboardBody": props.get("DashboardBody")}
    )
    return Deployed(logical_id, "AWS::CloudWatch::Dashboard", name, props, {})


def _remove_dashboard(stack: SimulatedStack, deployed: Deployed) -> None:
    stack.client("cloudwatch").delete_dashboards(DashboardNames=[deployed.physical_id])


_HANDLERS: dict[str, Callable[[SimulatedStack, str, dict[str, Any], Deployed | None], Deployed]] = {
    "AWS::SageMaker::Model": _model,
    "AWS::SageMaker::EndpointConfig": _endpoint_config,
    "AWS::SageMaker::Endpoint": _endpoint,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::ApplicationAutoScaling::ScalableTarget": _scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": _scaling_policy,
    "AWS::SNS::Topic": _topic,
    "AWS::CloudWatch::Dashboard": _dashboard,
}
_REMOVERS: dict[str, Callable[[SimulatedStack, Deployed], None]] = {
    "AWS::SageMaker::Model": _remove_model,
    "AWS::SageMaker::EndpointConfig": _remove_endpoint_config,
    "AWS::SageMaker::Endpoint": _remove_endpoint,
    "AWS::CloudWatch::Alarm": _remove_alarm,
    "AWS::ApplicationAutoScaling::ScalableTarget": _remove_scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": _remove_scaling_policy,
    "AWS::SNS::Topic": _remove_topic,
    "AWS::CloudWatch::Dashboard": _remove_dashboard,
}
