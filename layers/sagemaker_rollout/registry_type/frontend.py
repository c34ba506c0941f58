"""The registry type's handlers over the engine: progress events instead of answers and hand-offs.

One call of :meth:`RegistryFrontEnd.handle` is one invocation of a handler by CloudFormation. A
mutating handler (create, update, delete) runs the engine until the next wait that does not fit
its short invocation budget and returns IN_PROGRESS with ``callbackDelaySeconds`` and a
``callbackContext`` holding only the journal key and token; CloudFormation invokes the handler again
with that context after the delay (CloudFormation CLI user guide, "Progress chaining,
stabilization and callback pattern"; "ProgressEvent object schema": CallbackContext and
CallbackDelaySeconds). The final SUCCESS or FAILED is the request's recorded answer, so a repeated
invocation returns the same event. Read and list answer at once (they must not return IN_PROGRESS:
"Resource type handler contract").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_rollout.aws.calls import call, tags_of
from sagemaker_rollout.aws.reading import describe_endpoint
from sagemaker_rollout.aws.runtime import ProviderRuntime, ProviderSettings
from sagemaker_rollout.journal import Journal
from sagemaker_rollout.naming import default_endpoint_name
from sagemaker_rollout.registry_type.live import is_managed, live_model, managed_endpoints
from sagemaker_rollout.registry_type.protocol import (
    HANDLER_PERMISSIONS,
    HandlerProgress,
    ProgressStatus,
    RegistryAction,
    RegistryRequest,
)
from sagemaker_rollout.rollout.progress import Answer, FailCode
from sagemaker_rollout.rollout.request import RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, RolloutState
from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
from sagemaker_rollout.spec.limits import HANDLER_TIMEOUT_MINUTES, TYPE_NAME

__all__ = [
    "HANDLER_PERMISSIONS",
    "HANDLER_TIMEOUT_MINUTES",
    "INVOCATION_BUDGET_SECONDS",
    "TYPE_NAME",
    "HandlerProgress",
    "ProgressStatus",
    "RegistryAction",
    "RegistryFrontEnd",
    "RegistryRequest",
    "registry_settings",
]

INVOCATION_BUDGET_SECONDS = 60.0
"""Work one handler invocation does before it hands the rest to CloudFormation's callback.

Short on purpose: a waiting rollout costs no Lambda time between callbacks, and a killed
invocation loses at most this much work (the journal holds the rest)."""

REGISTRY_POLL_SECONDS = 60.0
"""Callback delay between two looks at an endpoint busy with something the request did not start
(another update). A wait for the request's own operation follows the rollout's timeline instead
(issue 23: :mod:`sagemaker_rollout.planner.wakeup`, the same schedule as the custom resource's
fallback wake-ups): the end of each bake, the expected end of a launch, then once a minute or so."""

REGISTRY_MAX_CALLBACK_SECONDS = 900.0
"""The longest callback delay. The CloudFormation CLI user guide ("ProgressEvent object schema")
states no maximum for ``CallbackDelaySeconds``; the registry type never asks for more than the
custom resource's longest wake-up link (SQS's 900 s), so a wait is looked at every 15 minutes at
least."""

_KINDS = {
    RegistryAction.CREATE: RequestKind.CREATE,
    RegistryAction.UPDATE: RequestKind.UPDATE,
    RegistryAction.DELETE: RequestKind.DELETE,
}


def registry_settings() -> ProviderSettings:
    """The engine's tunables under the registry type (a poll is a callback, not a sleep)."""
    return ProviderSettings(poll_interval=REGISTRY_POLL_SECONDS)


@dataclass
class RegistryFrontEnd:
    """The registry type's handlers on a provider runtime (clients, clock, settings).

    Parameters
    ----------
    runtime:
        Clients (from the session CloudFormation gives the handler), clock and settings.
    log:
        A logger (``logging.Logger`` or powertools).
    notify:
        Called with (kind, text) at each step (the demo's timeline); default: nothing.
    budget:
        Seconds of work per invocation (:data:`INVOCATION_BUDGET_SECONDS`).
    """

    runtime: ProviderRuntime
    log: Any
    notify: Callable[[str, str], None] = field(default=lambda kind, text: None)
    budget: float = INVOCATION_BUDGET_SECONDS

    def handle(self, request: RegistryRequest, callback_context: Mapping[str, Any] | None) -> HandlerProgress:
        """One invocation of the handler of ``request.action`` (dispatched by table)."""
        handlers: dict[RegistryAction, Callable[[], HandlerProgress]] = {
            RegistryAction.READ: lambda: self._read(request),
            RegistryAction.LIST: lambda: self._list(request),
            RegistryAction.CREATE: lambda: self._mutate(request, dict(callback_context or {})),
            RegistryAction.UPDATE: lambda: self._mutate(request, dict(callback_context or {})),
            RegistryAction.DELETE: lambda: self._mutate(request, dict(callback_context or {})),
        }
        try:
            return handlers[request.action]()
        except PropertyError as error:
            return HandlerProgress.failed(FailCode.INVALID_REQUEST, str(error))

    # ---- read and list ----------------------------------------------------------------------
    def _read(self, request: RegistryRequest) -> HandlerProgress:
        name = str((request.desired or {}).get("EndpointName") or "")
        model = self._live(name) if name else None
        if model is None:
            return HandlerProgress.failed(
                FailCode.NOT_FOUND, f"EndpointName: endpoint {name!r} does not exist here"
            )
        return HandlerProgress(ProgressStatus.SUCCESS, model=model)

    def _list(self, request: RegistryRequest) -> HandlerProgress:
        clock = self.runtime.clock
        names, token = managed_endpoints(self.runtime.client("sagemaker"), clock, request.next_token)
        models = [{"EndpointName": n} for n in names]
        return HandlerProgress(ProgressStatus.SUCCESS, models=models, next_token=token)

    def _live(self, name: str) -> dict[str, Any] | None:
        rt = self.runtime
        return live_model(rt.client("sagemaker"), rt.client("application-autoscaling"), rt.clock, name)

    # ---- create, update, delete ---------------------------------------------------------------
    def _mutate(self, request: RegistryRequest, context: dict[str, Any]) -> HandlerProgress:
        from sagemaker_rollout.rollout.engine import Engine, WaitMode

        CALLBACK = WaitMode.CALLBACK  # the registry type waits through callbacks (issue 23)

        if not request.journal_table:
            return HandlerProgress.failed(
                FailCode.INVALID_TYPE_CONFIGURATION,
                "JournalTableName: not set; set it to the provider stack's RolloutJournalTableName "
                "output with `aws cloudformation set-type-configuration`",
            )
        rt = self.runtime
        journal = Journal(rt.client("dynamodb"), request.journal_table, rt.clock)
        engine = Engine(rt, journal, self.log, self.notify)
        continuation = context.get(CONTINUATION_KEY)
        wanted = self._request(request)
        if isinstance(continuation, Mapping):
            record = journal.load(str(continuation.get("key", "")))
            if record is None:
                return HandlerProgress.failed(
                    FailCode.INTERNAL_FAILURE, "callbackContext: names no request of the rollout journal"
                )
        else:
            record = journal.load(wanted.key)
            if record is None:
                refusal = self._first_sight(request, wanted)
                if refusal is not None:
                    return refusal
        if record is not None and record.answer is not None:
            return self._progress(request, record.answer, record.state)
        captured: dict[str, Any] = {}
        end = rt.clock.now() + self.budget

        def remaining() -> float:
            return end - rt.clock.now()

        if record is not None:
            # The journal is the memory: an invocation killed after it moved the token on (or
            # before CloudFormation got its event) is resumed with the journal's token.
            the_request = record.request
            result = engine.resume(
                record.key, record.token, remaining=remaining, hand_off=captured.update, mode=CALLBACK
            )
        else:
            the_request = wanted
            result = engine.run(
                wanted,
                invocation_id=f"registry-{request.client_request_token}",
                remaining=remaining,
                hand_off=captured.update,
                mode=CALLBACK,
            )
        if result.answer is not None:
            return self._progress(request, result.answer, result.state)
        key = the_request.key
        if captured.get(CONTINUATION_KEY):
            context_out = dict(captured)
            delay = min(result.delay, REGISTRY_MAX_CALLBACK_SECONDS)  # the timeline's, a backoff or a poll
        else:  # another invocation holds the endpoint, or a conflict: look again later
            latest = journal.load(key)
            if latest is not None and latest.answer is not None:
                return self._progress(request, latest.answer, latest.state)
            token = latest.token if latest else (record.token if record is not None else None)
            context_out = {CONTINUATION_KEY: {"key": key, "token": token}}
            delay = rt.settings.poll_interval
        status = result.state.last_status if result.state is not None else ""
        phase = result.state.phase.value if result.state is not None else "waiting"
        return HandlerProgress(
            ProgressStatus.IN_PROGRESS,
            message=f"{phase}{': endpoint ' + status if status else ''}",
            callback_context=context_out,
            callback_delay_seconds=max(1, math.ceil(delay)),
            model=(
                {**dict(request.desired or {}), "EndpointName": self._name(the_request)}
                if request.action is not RegistryAction.DELETE
                else None
            ),
        )

    @staticmethod
    def _name(request: RolloutRequest) -> str:
        """The endpoint of a request (the primary identifier)."""
        return str(request.physical_id or request.properties.get("EndpointName") or "")

    def _request(self, request: RegistryRequest) -> RolloutRequest:
        """The handler request as the engine's typed request."""
        kind = _KINDS[request.action]
        stack_id, logical_id = self._owner(request)
        desired = dict(request.desired or {})
        previous = dict(request.previous or {})
        name = str(desired.get("EndpointName") or previous.get("EndpointName") or "")
        if not name and kind is RequestKind.CREATE:
            name = default_endpoint_name(stack_id, logical_id)
        for model in (desired, previous):
            for key in ("EndpointArn", "EndpointConfigName"):
                model.pop(key, None)
            if name and model:
                model["EndpointName"] = name
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
        )

    def _owner(self, request: RegistryRequest) -> tuple[str, str]:
        """Stack id and logical id of the ownership tags.

        Outside a stack (Cloud Control API) there are none: the account and region stand for the
        stack, and the type name for the logical id.
        """
        stack = request.stack_id or f"cloudcontrol:{request.region or ''}:{request.account_id or ''}"
        return stack, request.logical_id or "Endpoint"

    def _first_sight(self, request: RegistryRequest, wanted: RolloutRequest) -> HandlerProgress | None:
        """The handler contract's checks before anything is touched (CloudFormation CLI user guide,
        "Resource type handler contract"): a create of an existing resource fails AlreadyExists, an
        update or delete of a missing one NotFound, invalid properties InvalidRequest."""
        action = request.action
        rt = self.runtime
        if action is not RegistryAction.DELETE:
            parse_endpoint_properties(
                dict(wanted.properties), time_limit=wanted.explicit_time_limit
            )  # PropertyError -> InvalidRequest
        name = self._name(wanted)
        described = describe_endpoint(rt.client("sagemaker"), rt.clock, name) if name else None
        managed = False
        if described is not None:
            sm = rt.client("sagemaker")
            managed = is_managed(tags_of(call(rt.clock, sm.list_tags, ResourceArn=described["EndpointArn"])))
        if action is RegistryAction.CREATE and described is not None:
            adopt = str(wanted.properties.get("AdoptExistingEndpoint", "")).lower() == "true"
            if not adopt:
                why = f"EndpointName: endpoint {name} already exists; choose another name"
                return HandlerProgress.failed(FailCode.ALREADY_EXISTS, why)
        if action in (RegistryAction.UPDATE, RegistryAction.DELETE) and (
            described is None or not managed or described.get("EndpointStatus") == "Deleting"
        ):
            return HandlerProgress.failed(
                FailCode.NOT_FOUND, f"EndpointName: endpoint {name!r} does not exist or is not managed here"
            )
        return None

    def _progress(
        self, request: RegistryRequest, answer: Answer, state: RolloutState | None
    ) -> HandlerProgress:
        if not answer.succeeded:
            issued = state is not None and (
                state.update_intent_at is not None or state.create_intent_at is not None
            )
            fallback = FailCode.NOT_STABILIZED if issued else FailCode.GENERAL_SERVICE_EXCEPTION
            return HandlerProgress.failed(answer.code or fallback, answer.reason)
        if request.action is RegistryAction.DELETE:
            return HandlerProgress(ProgressStatus.SUCCESS)
        model = {k: v for k, v in dict(request.desired or {}).items()}
        model["EndpointName"] = answer.data.get("EndpointName") or answer.physical_id
        for key in ("EndpointArn", "EndpointConfigName"):
            if answer.data.get(key):
                model[key] = answer.data[key]
        return HandlerProgress(ProgressStatus.SUCCESS, model=model)
