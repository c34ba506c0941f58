"""Rewrite ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn`` to removed resources.

What the removed resources returned, and what now returns the same (CloudFormation template
reference, "Return values" of AWS::SageMaker::Endpoint and AWS::SageMaker::EndpointConfig:
aws-resource-sagemaker-endpoint.html, aws-resource-sagemaker-endpointconfig.html; the custom
type's attributes: contract section 4, README "Custom::SageMakerEndpoint"):

=======================================================  ==========================================
before                                                   after (``N``: the new resource)
=======================================================  ==========================================
``!Ref Endpoint`` (the endpoint ARN)                     ``!GetAtt N.EndpointArn``
``!GetAtt Endpoint.EndpointName``                        ``!Ref N`` (the custom type's Ref: the name)
``!GetAtt Config.EndpointConfigName``                    ``!GetAtt N.EndpointConfigName``
``!Ref Config`` (the config ARN)                         ``!GetAtt N.EndpointConfigName``, noted: the
                                                         custom type exposes no config ARN
``${Endpoint}``, ``${Endpoint.EndpointName}``,           the same, inside ``Fn::Sub``
``${Config.EndpointConfigName}``
``DependsOn: [Endpoint, Config]``                        ``DependsOn: [N]``
=======================================================  ==========================================

One exception: where a template uses the *config's* name as the *endpoint's* name (Application Auto
Scaling's ``ResourceId`` ``endpoint/<endpoint name>/variant/<variant>`` of a scalable target or
scaling policy, a CloudWatch alarm's ``EndpointName`` dimension), it works only because the two
names are equal (RegisterScalableTarget API reference, ``ResourceId``: "SageMaker endpoint variant
- The resource type is variant and the unique identifier is the resource ID. Example:
endpoint/my-end-point/variant/KMeansClustering"). After adoption the provider names every config
it creates after its content, so the config's name changes with the first rollout: such a
reference becomes the endpoint's name (``!Ref N``), the value it had; ``!Ref Config`` there (an
ARN, never a name) cannot be rewritten and stops the migration (:class:`EndpointNameError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout_tools.cli.migrate.document import Document, intrinsic

__all__ = ["ConfigNameRewriter", "EndpointNameError", "Replacement", "Rewriter"]

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


class EndpointNameError(Exception):
    """A config reference stands for an endpoint name in a shape migrate cannot rewrite."""


@dataclass(frozen=True)
class Replacement:
    """Where references to one removed resource go.

    Attributes
    ----------
    new_id:
        The logical id of the resource that replaces it.
    kind:
        ``"endpoint"`` (an AWS::SageMaker::Endpoint) or ``"config"`` (an AWS::SageMaker::EndpointConfig).
    """

    new_id: str
    kind: str


@dataclass
class Rewriter:
    """Rewrites references in a document; collects notes on what changed meaning or could not.

    Attributes
    ----------
    notes:
        One line per reference that could not keep its exact meaning: ``<where>: <why>``.
    """

    document: Document
    replacements: Mapping[str, Replacement]
    notes: list[str] = field(default_factory=list)
    #: ``where`` prefixes (``Resources.Target.Properties.ResourceId``) whose config-name references
    #: stand for the endpoint's name.
    endpoint_name_places: tuple[str, ...] = ()
    #: Replaced config id -> whether its name equals its endpoint's (literally, in the template).
    same_names: Mapping[str, bool] = field(default_factory=dict)

    def _names_endpoint(self, where: str) -> bool:
        return any(
            where == place or where.startswith((place + ".", place + "["))
            for place in self.endpoint_name_places
        )

    def _as_endpoint_name(self, target: str, where: str, text: str) -> None:
        replacement = self.replacements[target]
        same = self.same_names.get(target, False)
        self.notes.append(
            f"{where}: {text} stood for the endpoint's name (the config and the endpoint "
            f"{'share a name' if same else 'must share a name for it to work'}); rewritten to the name "
            f"of {replacement.new_id} (!Ref {replacement.new_id}), because the provider names the configs "
            "it creates after their content"
            + ("" if same else ": the value changes if the names differed, and CloudFormation replaces it")
        )

    # -- the three shapes -------------------------------------------------------------------------

    def _ref(self, target: str, where: str, short: bool) -> Any:
        replacement = self.replacements[target]
        if replacement.kind == "config" and self._names_endpoint(where):
            raise EndpointNameError(
                f"{where}: !Ref {target} (the endpoint config's ARN) where an endpoint name belongs; "
                f"write the endpoint's name there (!GetAtt <Endpoint>.EndpointName) and run migrate again"
            )
        if replacement.kind == "endpoint":
            return self.document.get_att(replacement.new_id, "EndpointArn", short=short)
        self.notes.append(
            f"{where}: !Ref {target} was the endpoint config's ARN; it becomes the name of the config "
            f"the endpoint runs (!GetAtt {replacement.new_id}.EndpointConfigName): the custom type "
            "exposes no config ARN"
        )
        return self.document.get_att(replacement.new_id, "EndpointConfigName", short=short)

    def _get_att(self, target: str, attribute: str, where: str, short: bool) -> Any:
        replacement = self.replacements[target]
        if replacement.kind == "endpoint" and attribute == "EndpointName":
            return self.document.ref(replacement.new_id, short=short)
        if replacement.kind == "config" and attribute == "EndpointConfigName":
            if self._names_endpoint(where):
                self._as_endpoint_name(target, where, f"!GetAtt {target}.EndpointConfigName")
                return self.document.ref(replacement.new_id, short=short)
            return self.document.get_att(replacement.new_id, "EndpointConfigName", short=short)
        self.notes.append(
            f"{where}: !GetAtt {target}.{attribute} has no equivalent on Custom::SageMakerEndpoint "
            f"(attributes: EndpointName, EndpointArn, EndpointConfigName); rewritten to "
            f"{replacement.new_id}.{attribute}: fix it by hand"
        )
        return self.document.get_att(replacement.new_id, attribute, short=short)

    def _sub_variable(self, variable: str, where: str) -> str:
        name, dot, attribute = variable.partition(".")
        replacement = self.replacements.get(name.strip())
        if replacement is None:
            return variable
        new = replacement.new_id
        if replacement.kind == "endpoint":
            if not dot:
                return f"{new}.EndpointArn"
            if attribute == "EndpointName":
                return new
        elif self._names_endpoint(where) and (not dot or attribute == "EndpointConfigName"):
            if not dot:
                raise EndpointNameError(
                    f"{where}: ${{{name}}} (the endpoint config's ARN) where an endpoint name belongs; "
                    "write the endpoint's name there and run migrate again"
                )
            self._as_endpoint_name(name.strip(), where, f"${{{variable}}}")
            return new
        elif not dot or attribute == "EndpointConfigName":
            if not dot:
                self.notes.append(
                    f"{where}: ${{{name}}} was the endpoint config's ARN; it becomes "
                    f"${{{new}.EndpointConfigName}} (the custom type exposes no config ARN)"
                )
            return f"{new}.EndpointConfigName"
        self.notes.append(
            f"{where}: ${{{variable}}} has no equivalent on Custom::SageMakerEndpoint; "
            f"rewritten to ${{{new}.{attribute}}}: fix it by hand"
        )
        return f"{new}.{attribute}"

    def _sub_text(self, text: Any, where: str, local: set[str]) -> Any:
        def replace(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable.partition(".")[0].strip() in local:
                return match.group(0)
            return "${" + self._sub_variable(variable, where) + "}"

        new_text = _SUB_VARIABLE.sub(replace, str(text))
        if new_text == str(text):
            return text
        return _same_scalar_type(text, new_text)

    # -- the walk ---------------------------------------------------------------------------------

    def rewrite(self, node: Any, where: str) -> Any:
        """``node`` with every reference to a replaced resource rewritten (containers in place)."""
        found = intrinsic(node)
        if found is not None:
            replaced = self._rewrite_intrinsic(node, found, where)
            if replaced is not None:
                _keep_flow_style(node, replaced)
                return replaced
        if isinstance(node, Mapping) and not isinstance(node, str):
            for key in list(node.keys()):
                new = self.rewrite(node[key], f"{where}.{key}")
                if new is not node[key]:
                    node[key] = new  # type: ignore[index]
        elif isinstance(node, list):
            for index, item in enumerate(node):
                new = self.rewrite(item, f"{where}[{index}]")
                if new is not item:
                    node[index] = new
        return node

    def _rewrite_intrinsic(self, node: Any, found: tuple[str, Any], where: str) -> Any:
        function, argument = found
        short = _is_tagged(node)
        if function == "Ref" and isinstance(argument, str) and argument in self.replacements:
            return self._ref(argument, where, short)
        if function == "Fn::GetAtt":
            target, attribute = _get_att_parts(argument)
            if target is not None and target in self.replacements:
                return self._get_att(target, attribute or "", where, short)
            return None
        if function == "Fn::Sub":
            return self._rewrite_sub(node, argument, where)
        return None

    def _rewrite_sub(self, node: Any, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            new_text = self._sub_text(argument, where, set())
            if new_text is argument:
                return node
            if _is_tagged(node):
                node.value = new_text
                return node
            node["Fn::Sub"] = new_text
            return node
        if isinstance(argument, list) and argument:
            variables = argument[1] if len(argument) > 1 and isinstance(argument[1], Mapping) else {}
            argument[0] = self._sub_text(argument[0], where, {str(key) for key in variables})
            for index in range(1, len(argument)):
                argument[index] = self.rewrite(argument[index], f"{where}[{index}]")
            return node
        return None

    def depends_on(self, value: Any) -> Any:
        """A ``DependsOn`` value (a name or a list) with replaced resources renamed, no duplicates."""
        if isinstance(value, str):
            replacement = self.replacements.get(value)
            return _same_scalar_type(value, replacement.new_id) if replacement else value
        if isinstance(value, list):
            seen: set[str] = set()
            kept = []
            for item in value:
                if not isinstance(item, str):  # malformed (CloudFormation wants names): kept as it is
                    kept.append(item)
                    continue
                name = self.replacements[item].new_id if item in self.replacements else str(item)
                if name not in seen:
                    seen.add(name)
                    kept.append(item if name == item else _same_scalar_type(item, name))
            value[:] = kept
        return value


def _keep_flow_style(old: Any, new: Any) -> None:
    """A long-form intrinsic written in flow style (``{"Ref": X}``) is replaced in flow style."""
    if new is old or not hasattr(old, "fa") or not hasattr(new, "fa") or not old.fa.flow_style():
        return
    new.fa.set_flow_style()
    for value in new.values() if isinstance(new, Mapping) else []:
        if hasattr(value, "fa"):
            value.fa.set_flow_style()


def _is_tagged(node: Any) -> bool:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag) if tag is not None else None
    return isinstance(value, str) and value.startswith("!") and not value.startswith("!!")


def _get_att_parts(argument: Any) -> tuple[str | None, str | None]:
    if isinstance(argument, str):
        target, _, attribute = argument.partition(".")
        return target, attribute
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
        return str(argument[0]), str(argument[1])
    return None, None


def _same_scalar_type(old: Any, new: str) -> Any:
    """``new`` with the quoting style of ``old`` (ruamel's ScalarString subclasses)."""
    kind: Callable[[str], Any] = type(old) if isinstance(old, str) and type(old) is not str else str
    try:
        return kind(new)
    except TypeError:  # pragma: no cover - every ScalarString takes the value first
        return new


@dataclass
class ConfigNameRewriter:
    """The retain stage's one rewrite: a config's name where the endpoint's name belongs, when the
    template gives both the same name, becomes the endpoint's name (``!GetAtt E.EndpointName``).

    The value does not change (so CloudFormation leaves the scalable target or alarm as it is) and
    the adopt stage, which rewrites ``!GetAtt E.EndpointName`` to the new resource's name, keeps it
    right after the provider renames configs.

    Attributes
    ----------
    endpoint_of:
        Config logical id -> the logical id of the endpoint that runs it (pairs with equal names).
    notes:
        One line per rewritten reference.
    """

    document: Document
    endpoint_of: Mapping[str, str]
    places: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    def rewrite(self, node: Any, where: str) -> Any:
        """``node`` with config-name references in endpoint-name places rewritten (in place)."""
        inside = any(where == place or where.startswith((place + ".", place + "[")) for place in self.places)
        found = intrinsic(node)
        if inside and found is not None:
            function, argument = found
            if function == "Fn::GetAtt":
                target, attribute = _get_att_parts(argument)
                if target is not None and target in self.endpoint_of and attribute == "EndpointConfigName":
                    endpoint = self.endpoint_of[target]
                    self.notes.append(
                        f"{where}: !GetAtt {target}.EndpointConfigName stood for the endpoint's name (both "
                        f"resources have the same name); rewritten to !GetAtt {endpoint}.EndpointName, the "
                        "same value, which stays right once the provider names the configs"
                    )
                    replaced = self.document.get_att(endpoint, "EndpointName", short=_is_tagged(node))
                    _keep_flow_style(node, replaced)
                    return replaced
            if function == "Fn::Sub" and isinstance(argument, str):
                new_text = _SUB_VARIABLE.sub(self._sub(where), str(argument))
                if new_text != str(argument):
                    if _is_tagged(node):
                        node.value = _same_scalar_type(argument, new_text)
                    else:
                        node["Fn::Sub"] = _same_scalar_type(argument, new_text)
                return node
        if isinstance(node, Mapping) and not isinstance(node, str):
            for key in list(node.keys()):
                new = self.rewrite(node[key], f"{where}.{key}")
                if new is not node[key]:
                    node[key] = new  # type: ignore[index]
        elif isinstance(node, list):
            for index, item in enumerate(node):
                new = self.rewrite(item, f"{where}[{index}]")
                if new is not item:
                    node[index] = new
        return node

    def _sub(self, where: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            name, _, attribute = match.group(1).partition(".")
            if name.strip() in self.endpoint_of and attribute == "EndpointConfigName":
                endpoint = self.endpoint_of[name.strip()]
                self.notes.append(
                    f"{where}: ${{{match.group(1)}}} stood for the endpoint's name; rewritten to "
                    f"${{{endpoint}.EndpointName}}, the same value"
                )
                return "${" + endpoint + ".EndpointName}"
            return match.group(0)

        return replace
