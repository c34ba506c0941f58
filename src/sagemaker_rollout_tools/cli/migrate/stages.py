"""The two stages of a migration, as edits of a :class:`~.document.Document`.

CloudFormation refuses to change a resource's type, and deletes a resource removed from the
template unless its ``DeletionPolicy`` is ``Retain`` ("DeletionPolicy attribute", CloudFormation
user guide, aws-attribute-deletionpolicy.html: with Retain, CloudFormation keeps the resource
without deleting it when the resource is removed from the stack). Hence two deployments:

1. **retain**: ``DeletionPolicy: Retain`` and ``UpdateReplacePolicy: Retain`` on every
   ``AWS::SageMaker::EndpointConfig`` + ``AWS::SageMaker::Endpoint`` pair. An endpoint without
   ``EndpointName`` also gets an output with the name CloudFormation generated, which stage 2 needs.
   A config's name used as its endpoint's name (a scalable target's ``ResourceId``) where both
   have the same name becomes the endpoint's name: the same value (:class:`.ConfigNameRewriter`).
2. **adopt**: each pair becomes one ``Custom::SageMakerEndpoint`` (``AdoptExistingEndpoint: true``)
   under a new logical id; the pair leaves the template (retained: left in AWS), every reference to
   it is rewritten (:mod:`.references`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.sagemaker import NAME_RE
from sagemaker_rollout_tools.cli.migrate.document import Document, intrinsic, plain
from sagemaker_rollout_tools.cli.migrate.references import (
    ConfigNameRewriter,
    Replacement,
    Rewriter,
)

__all__ = [
    "AWS_CONFIG_TYPE",
    "AWS_ENDPOINT_TYPE",
    "MigrationError",
    "MigrationReport",
    "Pair",
    "UsageError",
    "adopt",
    "find_pairs",
    "merged_tags",
    "name_output_id",
    "resource_node",
    "retain",
]

AWS_ENDPOINT_TYPE = "AWS::SageMaker::Endpoint"
AWS_CONFIG_TYPE = "AWS::SageMaker::EndpointConfig"
CUSTOM_TYPE = "Custom::SageMakerEndpoint"
_RETAIN_KEYS = ("DeletionPolicy", "UpdateReplacePolicy")
#: AWS::SageMaker::Endpoint properties the custom type takes as they are (the same API names).
_ENDPOINT_PROPERTIES = (
    "DeploymentConfig",
    "RetainAllVariantProperties",
    "ExcludeRetainedVariantProperties",
    "RetainDeploymentConfig",
)
_ENDPOINT_NAME_RE = NAME_RE


class MigrationError(Exception):
    """The template cannot be migrated as asked (exit status 1): one line, naming the resource."""


class UsageError(Exception):
    """A missing or wrong option (exit status 2): one line, saying what to pass."""


@dataclass(frozen=True)
class Pair:
    """An endpoint and the config it runs, by logical id."""

    endpoint: str
    config: str


@dataclass
class MigrationReport:
    """What a stage did, for the steps printed on stderr.

    Attributes
    ----------
    pairs:
        The pairs converted (retained, or replaced).
    new_ids:
        Endpoint logical id -> the replacing resource's id (adopt).
    endpoint_names:
        Endpoint logical id -> its name when the template knows it literally, else ``None``.
    name_outputs:
        Endpoint logical id -> the output added to read its generated name (retain).
    not_converted:
        One line per resource left as it was: ``<id>: <why>``.
    notes:
        One line per reference or value whose meaning changed, or that needs a look.
    """

    pairs: list[Pair] = field(default_factory=list)
    new_ids: dict[str, str] = field(default_factory=dict)
    endpoint_names: dict[str, str | None] = field(default_factory=dict)
    name_outputs: dict[str, str] = field(default_factory=dict)
    not_converted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _resources(document: Document) -> Any:
    resources = document.data.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        raise MigrationError("Resources: the template has no resources")
    return resources


def _type(resource: Any) -> str | None:
    return str(resource["Type"]) if isinstance(resource, Mapping) and "Type" in resource else None


def _properties(resource: Any) -> Any:
    props = resource.get("Properties") if isinstance(resource, Mapping) else None
    return props if isinstance(props, Mapping) else {}


def _config_of(value: Any, resources: Mapping[str, Any]) -> str | None:
    """The logical id of the EndpointConfig an endpoint's ``EndpointConfigName`` names, if any."""
    found = intrinsic(value)
    target: str | None = None
    if found is not None:
        function, argument = found
        if function == "Fn::GetAtt":
            if isinstance(argument, str):
                target, _, attribute = argument.partition(".")
            elif isinstance(argument, list) and len(argument) == 2:
                target, attribute = str(argument[0]), str(argument[1])
            else:
                return None
            if attribute != "EndpointConfigName":
                return None
        elif function == "Ref" and isinstance(argument, str):
            target = argument
    elif isinstance(value, str):
        for config_id, resource in resources.items():
            if (
                _type(resource) == AWS_CONFIG_TYPE
                and _properties(resource).get("EndpointConfigName") == value
            ):
                return str(config_id)
    if target is not None and _type(resources.get(target)) == AWS_CONFIG_TYPE:
        return target
    return None


def find_pairs(document: Document) -> tuple[list[Pair], list[str]]:
    """Every endpoint + config pair of the template, and a line per endpoint that is not one.

    Raises
    ------
    MigrationError
        The template has no ``AWS::SageMaker::Endpoint``.
    """
    resources = _resources(document)
    endpoints = [str(key) for key, value in resources.items() if _type(value) == AWS_ENDPOINT_TYPE]
    if not endpoints:
        raise MigrationError(
            f"Resources: no {AWS_ENDPOINT_TYPE} in the template (migrate converts "
            f"{AWS_CONFIG_TYPE} + {AWS_ENDPOINT_TYPE} pairs)"
        )
    users: dict[str, list[str]] = {}
    found: list[Pair] = []
    skipped: list[str] = []
    for endpoint_id in endpoints:
        config_id = _config_of(_properties(resources[endpoint_id]).get("EndpointConfigName"), resources)
        if config_id is None:
            skipped.append(
                f"{endpoint_id}: EndpointConfigName does not name an {AWS_CONFIG_TYPE} of this "
                "template (!GetAtt Config.EndpointConfigName or its literal name); left as it is"
            )
            continue
        users.setdefault(config_id, []).append(endpoint_id)
        found.append(Pair(endpoint_id, config_id))
    pairs = []
    for pair in found:
        sharing = users[pair.config]
        if len(sharing) > 1:
            skipped.append(
                f"{pair.endpoint}: its config {pair.config} is shared with "
                f"{', '.join(other for other in sharing if other != pair.endpoint)}; give each "
                "endpoint its own config first; left as it is"
            )
        else:
            pairs.append(pair)
    return pairs, skipped


def _literal_name(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and intrinsic(value) is None else None


def name_output_id(endpoint_id: str) -> str:
    """The output the retain stage adds for an endpoint whose name CloudFormation generated."""
    return f"{endpoint_id}EndpointName"


def _insert_after_type(resource: Any, key: str, value: Any) -> None:
    if key in resource:
        resource[key] = value
        return
    keys = list(resource.keys())
    position = 0
    for anchor in ("Type", *_RETAIN_KEYS):
        if anchor in keys:
            position = max(position, keys.index(anchor) + 1)
    if hasattr(resource, "insert"):
        resource.insert(position, key, value)
        return
    items = list(resource.items())
    items.insert(position, (key, value))
    resource.clear()
    resource.update(items)


def set_retain(resource: Any, logical_id: str, report: MigrationReport) -> None:
    """``DeletionPolicy: Retain`` and ``UpdateReplacePolicy: Retain`` (after ``Type``)."""
    for key in _RETAIN_KEYS:
        current = resource.get(key)
        if current is not None and current != "Retain":
            report.notes.append(f"{logical_id}: {key} {current} replaced by Retain")
        if current != "Retain":
            _insert_after_type(resource, key, "Retain")


def retain(document: Document) -> MigrationReport:
    """Stage 1: mark every pair Retain; add name outputs where needed.

    Raises
    ------
    MigrationError
        No endpoint, or no endpoint that pairs with a config of the template.
    """
    pairs, skipped = find_pairs(document)
    report = MigrationReport(pairs=pairs, not_converted=skipped)
    if not pairs:
        raise MigrationError(f"Resources: no endpoint can be migrated: {'; '.join(skipped)}")
    resources = document.data["Resources"]
    for pair in pairs:
        for logical_id in (pair.endpoint, pair.config):
            set_retain(resources[logical_id], logical_id, report)
        name = _properties(resources[pair.endpoint]).get("EndpointName")
        report.endpoint_names[pair.endpoint] = _literal_name(name)
        if name is None:
            report.name_outputs[pair.endpoint] = _add_name_output(document, pair.endpoint)
    same = {pair.config: pair.endpoint for pair in pairs if _same_name(document, pair, None)}
    if same:
        rewriter = ConfigNameRewriter(document, same, endpoint_name_places(document))
        for logical_id, resource in resources.items():
            rewriter.rewrite(resource, f"Resources.{logical_id}")
        report.notes.extend(rewriter.notes)
    return report


def _add_name_output(document: Document, endpoint_id: str) -> str:
    outputs = document.data.get("Outputs")
    if outputs is None:
        outputs = document.mapping()
        document.data["Outputs"] = outputs
    output_id = name_output_id(endpoint_id)
    if output_id not in outputs:
        outputs[output_id] = document.mapping(
            [
                (
                    "Description",
                    f"Name CloudFormation generated for {endpoint_id} "
                    "(sagemaker-rollout migrate --stage adopt --endpoint-name needs it)",
                ),
                ("Value", document.get_att(endpoint_id, "EndpointName")),
            ]
        )
    return output_id


def _unique_id(resources: Mapping[str, Any], wanted: str, taken: set[str]) -> str:
    candidate, number = wanted, 2
    while candidate in resources or candidate in taken:
        candidate, number = f"{wanted}{number}", number + 1
    return candidate


def check_retained(document: Document, logical_ids: list[str]) -> list[str]:
    """Lines for each resource about to leave the template without ``DeletionPolicy: Retain``."""
    resources = document.data["Resources"]
    return [
        f"{logical_id}: DeletionPolicy is {resources[logical_id].get('DeletionPolicy', 'Delete (default)')}, "
        "not Retain: removing it from the stack would DELETE it"
        for logical_id in logical_ids
        if resources[logical_id].get("DeletionPolicy") != "Retain"
    ]


def merged_tags(
    document: Document, endpoint_props: Mapping[str, Any], config_props: Mapping[str, Any]
) -> Any:
    """The endpoint's tags, then the config's under other keys (literal lists only merge)."""
    endpoint_tags, config_tags = endpoint_props.get("Tags"), config_props.get("Tags")
    if config_tags is None:
        return endpoint_tags
    if endpoint_tags is None:
        return config_tags
    if not (isinstance(endpoint_tags, list) and isinstance(config_tags, list)):
        return endpoint_tags
    keys = {tag.get("Key") for tag in endpoint_tags if isinstance(tag, Mapping)}
    for tag in config_tags:
        if not (isinstance(tag, Mapping) and tag.get("Key") in keys):
            endpoint_tags.append(tag)
    return endpoint_tags


def custom_resource(
    document: Document,
    pair: Pair,
    *,
    endpoint_name: Any,
    service_token: Any,
    report: MigrationReport,
) -> Any:
    """The ``Custom::SageMakerEndpoint`` replacing a pair, built from the pair's own nodes."""
    resources = document.data["Resources"]
    endpoint, config = resources[pair.endpoint], resources[pair.config]
    endpoint_props, config_props = _properties(endpoint), _properties(config)
    props = document.mapping([("ServiceToken", service_token), ("EndpointName", endpoint_name)])
    for key, value in config_props.items():
        if key in ("EndpointConfigName", "Tags"):
            continue
        props[key] = value
    for key in _ENDPOINT_PROPERTIES:
        if key in endpoint_props:
            props[key] = endpoint_props[key]
    tags = merged_tags(document, endpoint_props, config_props)
    if tags is not None:
        props["Tags"] = tags
    props["AdoptExistingEndpoint"] = True
    for key in endpoint_props:
        if key not in (*_ENDPOINT_PROPERTIES, "EndpointName", "EndpointConfigName", "Tags"):
            report.notes.append(f"{pair.endpoint}.Properties.{key}: not a property of {CUSTOM_TYPE}; dropped")
    if "EndpointConfigName" in config_props:
        report.notes.append(
            f"{pair.config}.Properties.EndpointConfigName: dropped (the provider names the configs "
            "it creates; the endpoint's current config is kept until the first rollout)"
        )
    return resource_node(document, CUSTOM_TYPE, props, endpoint, config, pair, report)


def resource_node(
    document: Document,
    type_name: str,
    props: Any,
    endpoint: Any,
    config: Any,
    pair: Pair,
    report: MigrationReport,
) -> Any:
    """A resource mapping: Type, Condition, DependsOn (of both), Metadata, Properties."""
    resource = document.mapping([("Type", type_name)])
    condition = endpoint.get("Condition")
    if condition is not None:
        resource["Condition"] = condition
    if config.get("Condition") not in (None, condition):
        report.notes.append(
            f"{pair.config}: Condition {config.get('Condition')} differs from the endpoint's; "
            "the new resource takes the endpoint's"
        )
    depends: list[Any] = []
    for owner in (endpoint, config):
        value = owner.get("DependsOn")
        for item in [value] if isinstance(value, str) else list(value or []):
            if item not in (pair.endpoint, pair.config) and item not in depends:
                depends.append(item)
    if depends:
        resource["DependsOn"] = depends[0] if len(depends) == 1 else document.sequence(depends)
    if "Metadata" in endpoint:
        resource["Metadata"] = endpoint["Metadata"]
    resource["Properties"] = props
    return resource


def _replace_in_resources(
    document: Document, removed: list[str], inserted: dict[str, tuple[str, Any]]
) -> None:
    """Put each new resource where its endpoint was and drop ``removed``.

    The written text follows (:meth:`~.document.Document.place_instead`): the new resource's lines
    take the endpoint's place, after the comment lines above it; a removed resource's lines go
    with the comment lines directly above it.
    """
    resources = document.data["Resources"]
    for anchor, (new_id, node) in inserted.items():
        position = list(resources.keys()).index(anchor)
        if hasattr(resources, "insert"):
            resources.insert(position, new_id, node)
        else:
            items = list(resources.items())
            items.insert(position, (new_id, node))
            resources.clear()
            resources.update(items)
        document.place_instead(("Resources",), new_id, anchor)
    for logical_id in removed:
        del resources[logical_id]


_SCALING_TYPES = (
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
)


def endpoint_name_places(document: Document) -> tuple[str, ...]:
    """Where the template puts an endpoint's *name* (see :mod:`.references`): the ``ResourceId`` of
    scalable targets and scaling policies, the ``EndpointName`` dimension of CloudWatch alarms."""
    places: list[str] = []
    for logical_id, resource in (document.data.get("Resources") or {}).items():
        kind, props = _type(resource), _properties(resource)
        if kind in _SCALING_TYPES and "ResourceId" in props:
            places.append(f"Resources.{logical_id}.Properties.ResourceId")
        elif kind == "AWS::CloudWatch::Alarm" and isinstance(props.get("Dimensions"), list):
            for index, dimension in enumerate(props["Dimensions"]):
                if isinstance(dimension, Mapping) and dimension.get("Name") == "EndpointName":
                    places.append(f"Resources.{logical_id}.Properties.Dimensions[{index}].Value")
    return tuple(places)


def _same_name(document: Document, pair: Pair, literal_name: str | None) -> bool:
    """Whether the config's EndpointConfigName is, in the template, the endpoint's EndpointName."""
    resources = document.data["Resources"]
    config_name = _properties(resources[pair.config]).get("EndpointConfigName")
    endpoint_name = _properties(resources[pair.endpoint]).get("EndpointName")
    if config_name is None:
        return False
    if endpoint_name is None:
        return literal_name is not None and plain(config_name) == literal_name
    return bool(plain(config_name) == plain(endpoint_name))


def adopt(
    document: Document,
    *,
    endpoint_names: Mapping[str, str],
    service_token: Any,
    force: bool = False,
    compact: bool = False,
) -> MigrationReport:
    """Stage 2: replace each pair by a custom (or, ``compact``, a compact) resource that adopts it.

    Raises
    ------
    MigrationError
        No convertible pair, or a pair without ``DeletionPolicy: Retain`` (unless ``force``).
    EndpointNameError
        A config's ARN where an endpoint name belongs (a scalable target's ``ResourceId``).
    UsageError
        An endpoint without ``EndpointName`` and no ``--endpoint-name`` for it; a name for an
        unknown endpoint or an invalid one.
    """
    pairs, skipped = find_pairs(document)
    report = MigrationReport(pairs=pairs, not_converted=skipped)
    if not pairs:
        raise MigrationError(f"Resources: no endpoint can be migrated: {'; '.join(skipped)}")
    resources = document.data["Resources"]
    for logical_id, name in endpoint_names.items():
        if logical_id not in {pair.endpoint for pair in pairs}:
            known = ", ".join(pair.endpoint for pair in pairs)
            raise UsageError(
                f"--endpoint-name {logical_id}: no such endpoint to migrate (endpoints: {known})"
            )
        if not _ENDPOINT_NAME_RE.match(name):
            raise UsageError(
                f"--endpoint-name {logical_id}={name}: not a SageMaker endpoint name "
                "(1-63 letters, digits and hyphens; the name, not the ARN)"
            )
    unsafe = check_retained(
        document, [logical_id for pair in pairs for logical_id in (pair.endpoint, pair.config)]
    )
    if unsafe and not force:
        raise MigrationError(
            f"{unsafe[0]}; deploy `sagemaker-rollout migrate TEMPLATE --stage retain` first, then "
            "run --stage adopt on its output (or pass --force if the deployed stack has Retain)"
        )
    report.notes.extend(f"{line} (--force)" for line in unsafe)

    from sagemaker_rollout_tools.cli.migrate import compact as compact_form

    taken: set[str] = set()
    inserted: dict[str, tuple[str, Any]] = {}
    removed: list[str] = []
    replacements: dict[str, Replacement] = {}
    for pair in pairs:
        endpoint_props = _properties(resources[pair.endpoint])
        name = endpoint_props.get("EndpointName")
        if name is None:
            if pair.endpoint not in endpoint_names:
                output = name_output_id(pair.endpoint)
                raise UsageError(
                    f"{pair.endpoint}: has no EndpointName (CloudFormation generated it); pass "
                    f"--endpoint-name {pair.endpoint}=NAME, the value of the stack's output {output} "
                    "that the retain stage added"
                )
            name = endpoint_names[pair.endpoint]
        elif pair.endpoint in endpoint_names:
            raise UsageError(
                f"--endpoint-name {pair.endpoint}: the template names this endpoint already "
                "(EndpointName); drop the option"
            )
        report.endpoint_names[pair.endpoint] = _literal_name(name)
        new_id = _unique_id(resources, f"{pair.endpoint}Rollout", taken)
        taken.add(new_id)
        node = None
        absorbed: list[str] = []
        if compact:
            converted = compact_form.compact_resource(document, pair, endpoint_name=name, report=report)
            if converted is not None:
                node, absorbed = converted
        if node is None:
            node = custom_resource(
                document, pair, endpoint_name=name, service_token=service_token, report=report
            )
        inserted[pair.endpoint] = (new_id, node)
        removed.extend([pair.endpoint, pair.config, *absorbed])
        report.new_ids[pair.endpoint] = new_id
        replacements[pair.endpoint] = Replacement(new_id, "endpoint")
        replacements[pair.config] = Replacement(new_id, "config")
    same_names = {
        pair.config: _same_name(document, pair, report.endpoint_names.get(pair.endpoint)) for pair in pairs
    }
    _replace_in_resources(document, removed, inserted)
    rewriter = Rewriter(
        document, replacements, endpoint_name_places=endpoint_name_places(document), same_names=same_names
    )
    for key in list(document.data.keys()):
        if key == "Resources":
            for logical_id, resource in document.data["Resources"].items():
                if isinstance(resource, dict):
                    if "DependsOn" in resource:
                        resource["DependsOn"] = rewriter.depends_on(resource["DependsOn"])
                    rewriter.rewrite(resource, f"Resources.{logical_id}")
        else:
            document.data[key] = rewriter.rewrite(document.data[key], str(key))
    report.notes.extend(rewriter.notes)
    if compact and any(
        _type(document.data["Resources"][new_id]) == compact_form.COMPACT_TYPE
        for new_id in report.new_ids.values()
    ):
        compact_form.add_transform(document)
    return report
