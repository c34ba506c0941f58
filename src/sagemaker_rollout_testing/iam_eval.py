"""A small IAM policy evaluator for the subset of IAM the provider's template uses (tests only).

moto's IAM enforcement does not evaluate resources or conditions, so the policy-coverage test needs
its own evaluator. It decides one :class:`AuthRequest` (action, resource ARN, request context)
against identity-policy statements, following the IAM user guide:

* **Evaluation** ("Policy evaluation logic", identity-based policies within one account,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an
  explicit ``Deny`` in any matching statement wins; otherwise a matching ``Allow`` allows; otherwise
  the request is implicitly denied.
* **Action** ("IAM JSON policy elements: Action",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html):
  ``service:Action``, case-insensitive, ``*`` and ``?`` wildcards; ``NotAction`` matches every other action.
* **Resource** ("IAM JSON policy elements: Resource",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html):
  ``*`` alone matches everything; otherwise the ARN is compared segment by segment (``arn``,
  partition, service, region, account), each segment with ``*`` / ``?`` wildcards that do not cross
  a colon, and the resource part (everything after the fifth colon, which may itself contain ``:``
  and ``/``) with wildcards matching any characters. Matching is case-sensitive. ``NotResource``
  matches every other resource.
* **Condition** ("IAM JSON policy elements: Condition" and "Condition operators",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
  every operator block must hold (AND), every key inside a block must hold (AND), and a key holds
  when the context value matches any of the policy's values (OR). Condition key names are
  case-insensitive; values are compared case-sensitively except by ``...IgnoreCase``. A key absent
  from the context makes a positive operator false and a negated one (``StringNotEquals``,
  ``StringNotLike``, ``ArnNotEquals``, ``ArnNotLike``) true; ``...IfExists`` is true when the key is
  absent; ``Null`` tests presence ("true": absent, "false": present).
* **Multivalued keys** ("Set operators for multivalued context keys",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
  ``ForAllValues:`` holds when every context value matches some policy value (and when the key is
  absent or empty); ``ForAnyValue:`` holds when at least one does (false when absent). With a
  negated operator ("Evaluation logic for negated matching condition operators",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html):
  ``ForAllValues:StringNotLike`` holds when no context value matches any policy value,
  ``ForAnyValue:StringNotLike`` when at least one context value matches none.

Numeric, date, IP-address and binary operators, policy variables and resource-based policies are
not implemented: :func:`evaluate` raises :class:`UnsupportedPolicyError` rather than guess.

The template side (:func:`role_statements`) resolves the intrinsic functions the template uses in
policies (``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::Join``) for a given account, region, partition
and parameter values, and collects the statements that apply to one role: its inline ``Policies``
plus every ``AWS::IAM::RolePolicy`` / ``AWS::IAM::Policy`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

__all__ = [
    "AuthRequest",
    "Decision",
    "UnsupportedPolicyError",
    "action_matches",
    "arn_matches",
    "condition_holds",
    "evaluate",
    "resolve",
    "role_statements",
]

ContextValue = str | bool | Sequence[str]


class UnsupportedPolicyError(ValueError):
    """The policy uses an element or operator this evaluator does not implement."""


@dataclass(frozen=True)
class AuthRequest:
    """One authorization AWS makes: the caller's ``action`` on ``resource`` with a request context.

    Attributes
    ----------
    action:
        ``service:Action``.
    resource:
        The resource's ARN (``*`` for actions without a resource type).
    context:
        Condition keys and their values (strings, booleans or lists of strings).
    why:
        Where the request comes from (the API call, a dependent action, a validation).
    """

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    why: str = ""


@dataclass(frozen=True)
class Decision:
    """The outcome: ``Allow``, ``ExplicitDeny`` or ``ImplicitDeny``, and the deciding statement's Sid."""

    effect: Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
    sid: str | None = None

    @property
    def allowed(self) -> bool:
        """True for ``Allow``."""
        return self.effect == "Allow"


# ----------------------------------------------------------------------------- matching --
@lru_cache(maxsize=4096)
def _glob(pattern: str, *, cross_colon: bool, ignore_case: bool) -> re.Pattern[str]:
    any_char = "." if cross_colon else "[^:]"
    parts = [any_char + "*" if c == "*" else any_char if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: str, value: str, *, cross_colon: bool = True, ignore_case: bool = False) -> bool:
    return _glob(pattern, cross_colon=cross_colon, ignore_case=ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    return _like(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource (and ``Arn*`` condition) matching: per ARN segment, case-sensitive.

    The first five segments match separately (wildcards stay inside a segment); the resource part
    is everything after the fifth colon.
    """
    if pattern == "*":
        return True
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return _like(pattern, arn)
    return all(
        _like(p, a, cross_colon=False) for p, a in zip(p_parts[:5], a_parts[:5], strict=True)
    ) and _like(p_parts[5], a_parts[5])


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _lookup(context: Mapping[str, ContextValue], key: str) -> ContextValue | None:
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": lambda p, v: _like(p, v),
    "ArnEquals": lambda p, v: p == v,
    "ArnLike": arn_matches,
    "Bool": lambda p, v: p.lower() == v.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _key_holds(operator: str, policy_values: list[Any], value: ContextValue | None) -> bool:
    """One key of one operator block (single-valued keys; sets are handled by the caller)."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        wanted = [_string(p).lower() for p in policy_values]
        return ("true" if value is None else "false") in wanted
    negated = base in _NEGATED
    matcher = _MATCHERS.get(_NEGATED.get(base, base))
    if matcher is None:
        raise UnsupportedPolicyError(f"condition operator {operator!r} is not implemented")
    if value is None:
        return if_exists or negated
    values = [_string(v) for v in _as_list(value)]
    patterns = [_string(p) for p in policy_values]
    if qualifier and negated:  # per context value: it matches none of the policy values
        misses = [not any(matcher(p, v) for p in patterns) for v in values]
        if qualifier == "ForAllValues":
            return all(misses)
        if qualifier == "ForAnyValue":
            return any(misses)
        raise UnsupportedPolicyError(f"condition qualifier {qualifier!r} is not implemented")
    if qualifier == "ForAllValues":
        hit = all(any(matcher(p, v) for p in patterns) for v in values)
    elif qualifier == "ForAnyValue":
        hit = any(matcher(p, v) for p in patterns for v in values)
    elif qualifier:
        raise UnsupportedPolicyError(f"condition qualifier {qualifier!r} is not implemented")
    else:
        hit = len(values) == 1 and any(matcher(p, values[0]) for p in patterns)
    return not hit if negated else hit


def condition_holds(condition: Mapping[str, Any], context: Mapping[str, ContextValue]) -> bool:
    """Every operator block and every key in it holds (see the module docstring)."""
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            raise UnsupportedPolicyError(f"condition operator {operator!r} must map keys to values")
        qualifier = operator.split(":", 1)[0] if ":" in operator else ""
        for key, policy_values in block.items():
            value = _lookup(context, key)
            if qualifier == "ForAllValues" and (value is None or _as_list(value) == []):
                continue  # true for an absent or empty multivalued key
            if qualifier == "ForAnyValue" and (value is None or _as_list(value) == []):
                return False
            if not _key_holds(operator, _as_list(policy_values), value):
                return False
    return True


def _statement_matches(statement: Mapping[str, Any], request: AuthRequest) -> bool:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise UnsupportedPolicyError("resource-based policies (Principal) are not evaluated")
    if "Action" in statement:
        if not any(action_matches(str(p), request.action) for p in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(action_matches(str(p), request.action) for p in _as_list(statement["NotAction"])):
            return False
    else:
        raise UnsupportedPolicyError("statement has neither Action nor NotAction")
    if "Resource" in statement:
        if not any(arn_matches(str(p), request.resource) for p in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(arn_matches(str(p), request.resource) for p in _as_list(statement["NotResource"])):
            return False
    else:
        raise UnsupportedPolicyError("statement has neither Resource nor NotResource")
    return condition_holds(statement.get("Condition") or {}, request.context)


def evaluate(statements: Iterable[Mapping[str, Any]], request: AuthRequest) -> Decision:
    """Decide ``request`` against identity-policy ``statements`` of one account."""
    allowed_by: str | None = None
    allowed = False
    for statement in statements:
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise UnsupportedPolicyError(f"Effect {effect!r} is neither Allow nor Deny")
        if not _statement_matches(statement, request):
            continue
        if effect == "Deny":
            return Decision("ExplicitDeny", statement.get("Sid"))
        if not allowed:
            allowed, allowed_by = True, statement.get("Sid")
    return Decision("Allow", allowed_by) if allowed else Decision("ImplicitDeny")


# ------------------------------------------------------------------------- the template --
@dataclass(frozen=True)
class _Env:
    parameters: Mapping[str, str]
    pseudo: Mapping[str, str]
    attributes: Mapping[str, str]
    resources: Mapping[str, Any]


def _ref(name: str, env: _Env) -> str:
    if name in env.pseudo:
        return env.pseudo[name]
    if name in env.parameters:
        return env.parameters[name]
    if name in env.attributes:
        return env.attributes[name]
    if name in env.resources:
        return name  # a resource's Ref: its logical id stands for its physical name
    raise UnsupportedPolicyError(f"Ref {name!r}: no parameter, pseudo parameter or resource of that name")


def _get_att(logical_id: str, attribute: str, env: _Env) -> str:
    dotted = f"{logical_id}.{attribute}"
    if dotted in env.attributes:
        return env.attributes[dotted]
    resource = env.resources.get(logical_id)
    if not isinstance(resource, Mapping) or attribute != "Arn":
        raise UnsupportedPolicyError(f"Fn::GetAtt {dotted}: give its value in `attributes`")
    partition, region, account = (env.pseudo[k] for k in ("AWS::Partition", "AWS::Region", "AWS::AccountId"))
    kind = str(resource.get("Type"))
    arn_formats = {
        "AWS::Logs::LogGroup": f"arn:{partition}:logs:{region}:{account}:log-group:{logical_id}:*",
        "AWS::SQS::Queue": f"arn:{partition}:sqs:{region}:{account}:{logical_id}",
        "AWS::DynamoDB::Table": f"arn:{partition}:dynamodb:{region}:{account}:table/{logical_id}",
        "AWS::Serverless::Function": f"arn:{partition}:lambda:{region}:{account}:function:{logical_id}",
        "AWS::Lambda::Function": f"arn:{partition}:lambda:{region}:{account}:function:{logical_id}",
    }
    if kind not in arn_formats:
        raise UnsupportedPolicyError(f"Fn::GetAtt {dotted} ({kind}): give its value in `attributes`")
    return arn_formats[kind]


def resolve(value: Any, env: _Env) -> Any:
    """Resolve ``Ref``, ``Fn::Sub``, ``Fn::GetAtt`` and ``Fn::Join`` inside ``value``."""
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    if not isinstance(value, Mapping):
        return value
    if len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            return _ref(str(argument), env)
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else list(argument)
            return _get_att(str(parts[0]), str(parts[1]), env)
        if name == "Fn::Join":
            separator, items = argument
            return str(separator).join(_string(v) for v in _as_list(resolve(items, env)))
        if name == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            local = {k: _string(resolve(v, env)) for k, v in dict(variables).items()}

            def substitute(match: re.Match[str]) -> str:
                key = match.group(1)
                if key.startswith("!"):
                    return "${" + key[1:] + "}"
                if key in local:
                    return local[key]
                if "." in key:
                    logical_id, attribute = key.split(".", 1)
                    return _get_att(logical_id, attribute, env)
                return _ref(key, env)

            return re.sub(r"\$\{([^}]+)\}", substitute, str(text))
        if name.startswith("Fn::"):
            raise UnsupportedPolicyError(f"{name} is not resolved by this evaluator")
    return {k: resolve(v, env) for k, v in value.items()}


def _names_role(props: Mapping[str, Any], role: str) -> bool:
    ref = {"Ref": role}
    return props.get("RoleName") == ref or ref in _as_list(props.get("Roles") or [])


def role_statements(
    template: Mapping[str, Any],
    role: str,
    *,
    account_id: str,
    region: str,
    partition: str = "aws",
    parameters: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
    managed: bool = True,
) -> list[dict[str, Any]]:
    """Every statement that applies to ``role``, with intrinsic functions resolved.

    Parameters
    ----------
    template:
        The parsed template (long-form intrinsics).
    role:
        Logical id of the ``AWS::IAM::Role``.
    account_id, region, partition:
        Pseudo parameters.
    parameters:
        Parameter values; parameters not given take their ``Default``.
    attributes:
        ``"Logical.Attribute"`` -> value, for ``Fn::GetAtt`` the evaluator cannot derive.
    managed:
        Include the template's ``AWS::IAM::ManagedPolicy`` resources attached to the role (False: the
        inline policies only, which share IAM's aggregate size quota).
    """
    resources = template.get("Resources") or {}
    values = {
        name: _string(spec.get("Default", ""))
        for name, spec in (template.get("Parameters") or {}).items()
        if isinstance(spec, Mapping)
    }
    values.update(parameters or {})
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    env = _Env(
        parameters=values,
        pseudo={
            "AWS::AccountId": account_id,
            "AWS::Region": region,
            "AWS::Partition": partition,
            "AWS::URLSuffix": suffix,
            "AWS::StackName": "provider-stack",
        },
        attributes=dict(attributes or {}),
        resources=resources,
    )
    documents: list[Any] = []
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if logical_id == role and resource.get("Type") == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in props.get("Policies") or []]
        elif (
            resource.get("Type") in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy") and _names_role(props, role)
        ) or (managed and resource.get("Type") == "AWS::IAM::ManagedPolicy" and _names_role(props, role)):
            documents.append(props["PolicyDocument"])
    statements: list[dict[str, Any]] = []
    for document in documents:
        statements += [dict(resolve(s, env)) for s in _as_list(document["Statement"])]
    return statements
