"""The registry type's handler requests as the engine's typed request, and what CloudFormation sends back.

Part of the registry type's front end (:mod:`sagemaker_rollout.registry_type`):

* :func:`rollout_request` builds the one :class:`~sagemaker_rollout.rollout.request.RolloutRequest`
  of a create, update or delete: the primary-identifier ownership rule, the handler's time limit,
  the stack-level tags merged into ``Tags``, the type configuration's smoke-test function pattern;
* :func:`name_change` is the create-only ``EndpointName`` check of an update;
* :func:`continuation_of` reads a callback context, :func:`context_refusal` says whether it belongs
  to the request it came with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagemaker_rollout.journal import RequestRecord
from sagemaker_rollout.naming import default_endpoint_name
from sagemaker_rollout.registry_type.protocol import RegistryAction, RegistryRequest
from sagemaker_rollout.rollout.request import Ownership, RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import CONTINUATION_KEY
from sagemaker_rollout.spec import merge_stack_tags
from sagemaker_rollout.spec.limits import HANDLER_TIMEOUT_MINUTES, TYPE_NAME

__all__ = ["READ_ONLY", "context_refusal", "continuation_of", "name_change", "owner_ids", "rollout_request"]

READ_ONLY = ("EndpointArn", "EndpointConfigName")
"""The schema's ``readOnlyProperties``: reported, never asked for."""

_KINDS = {
    RegistryAction.CREATE: RequestKind.CREATE,
    RegistryAction.UPDATE: RequestKind.UPDATE,
    RegistryAction.DELETE: RequestKind.DELETE,
}


def owner_ids(request: RegistryRequest) -> tuple[str, str]:
    """Stack id and logical id of the request (the ownership tags say where an endpoint was created).

    Outside a stack (Cloud Control API) there are none: the account and region stand for the stack,
    and ``Endpoint`` for the logical id. Under the primary-identifier rule they identify the request
    (its journal key), not the owner.
    """
    stack = request.stack_id or f"cloudcontrol:{request.region or ''}:{request.account_id or ''}"
    return stack, request.logical_id or "Endpoint"


def rollout_request(request: RegistryRequest) -> RolloutRequest:
    """The handler request as the engine's typed request.

    Raises
    ------
    PropertyError
        The stack-level tags merged into ``Tags`` are over SageMaker's limit.
    """
    kind = _KINDS[request.action]
    stack_id, logical_id = owner_ids(request)
    desired = dict(request.desired or {})
    previous = dict(request.previous or {})
    name = str(desired.get("EndpointName") or previous.get("EndpointName") or "")
    if not name and kind is RequestKind.CREATE:
        name = default_endpoint_name(stack_id, logical_id)
    for model, stack_tags in ((desired, request.stack_tags), (previous, request.previous_stack_tags)):
        for key in READ_ONLY:
            model.pop(key, None)
        if name and model:
            model["EndpointName"] = name
        if model and stack_tags:
            model["Tags"] = merge_stack_tags(model.get("Tags"), stack_tags)
    return RolloutRequest(
        kind=kind,
        stack_id=stack_id,
        logical_id=logical_id,
        request_id=request.client_request_token,
        physical_id=name if kind is not RequestKind.CREATE else "",
        properties=desired,
        old_properties=previous if kind is RequestKind.UPDATE else {},
        resource_type=TYPE_NAME,
        explicit_time_limit=HANDLER_TIMEOUT_MINUTES[request.action.handler] * 60,
        ownership=Ownership.PRIMARY_IDENTIFIER,
        smoke_functions=request.smoke_functions,
    )


def name_change(request: RegistryRequest) -> str | None:
    """Why an update must answer NotUpdatable: it changes the create-only ``EndpointName``.

    CloudFormation replaces a resource whose create-only property changes (it never sends such an
    update); Cloud Control API or a direct caller might, and the contract says "An update handler
    MUST return FAILED with a NotUpdatable error code if the request attempts to change a
    createOnly property" ("Resource type handler contract", CloudFormation CLI user guide).
    """
    wanted = (request.desired or {}).get("EndpointName")
    before = (request.previous or {}).get("EndpointName")
    if wanted and before and wanted != before:
        return (
            f"EndpointName: {before!r} cannot be changed to {wanted!r} by an update (create-only: a new "
            "name is a new endpoint, which CloudFormation creates before deleting the old one)"
        )
    return None


def continuation_of(context: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The (journal key, token) a callback context carries; None for a first invocation.

    Raises
    ------
    ValueError
        The context is not one the handler returned (one line saying why).
    """
    if not context:
        return None
    payload = context.get(CONTINUATION_KEY)
    if not isinstance(payload, Mapping) or not isinstance(payload.get("key"), str):
        raise ValueError(f"callbackContext: not a continuation of this type (no {CONTINUATION_KEY} key)")
    token = payload.get("token")
    return str(payload["key"]), str(token) if isinstance(token, str) else ""


def context_refusal(key: str, token: str, wanted: RolloutRequest, record: RequestRecord | None) -> str | None:
    """Why a callback context is refused, or None when it belongs to this request.

    It belongs when its key is this request's journal key (a hash of the stack id, logical id and
    client request token CloudFormation sent with it: another resource's or operation's context
    never matches) and its token is one the journal issued to that request (the current one, or the
    one before it when the invocation that moved it on died before CloudFormation got its event).
    A context with no token was returned before the journal held the request: it is this request's
    first sight again.
    """
    if key != wanted.key:
        return (
            "callbackContext: belongs to another request (another resource, or another operation of "
            "this one); only the context of this operation continues it"
        )
    if record is None:
        return None if not token else "callbackContext: names no request of the rollout journal"
    if token and not record.issued(token):
        return (
            "callbackContext: its token is no longer the rollout journal's (a stale or forged continuation)"
        )
    return None
