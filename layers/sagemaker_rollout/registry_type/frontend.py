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

from sagemaker_rollout.aws.calls import (
    AWS_ERRORS,
    CallDeadlineError,
    call,
    call_deadline,
    is_transient,
    reason_of,
    tags_of,
)
from sagemaker_rollout.aws.reading import describe_endpoint
from sagemaker_rollout.aws.runtime import ProviderRuntime, ProviderSettings
from sagemaker_rollout.journal import EndpointItem, Journal, JournalUnavailableError, RequestRecord
from sagemaker_rollout.naming import MANAGED_BY_CUSTOM_RESOURCE, MANAGED_BY_TAG
from sagemaker_rollout.registry_type.codes import code_of, journal_code
from sagemaker_rollout.registry_type.live import WRITE_ONLY, live_model, managed_endpoints
from sagemaker_rollout.registry_type.protocol import (
    HANDLER_PERMISSIONS,
    WORK_BUDGET_SECONDS,
    HandlerProgress,
    ProgressStatus,
    RegistryAction,
    RegistryRequest,
)
from sagemaker_rollout.registry_type.requests import (
    READ_ONLY,
    context_refusal,
    continuation_of,
    name_change,
    owner_ids,
    rollout_request,
)
from sagemaker_rollout.rollout.progress import Answer, FailCode
from sagemaker_rollout.rollout.request import Ownership, RequestKind, RolloutRequest
from sagemaker_rollout.rollout.state import CONTINUATION_KEY, RolloutState
from sagemaker_rollout.spec import PropertyError, parse_endpoint_properties
from sagemaker_rollout.spec.limits import HANDLER_TIMEOUT_MINUTES, TYPE_NAME

__all__ = [
    "HANDLER_PERMISSIONS",
    "HANDLER_TIMEOUT_MINUTES",
    "TYPE_NAME",
    "WORK_BUDGET_SECONDS",
    "HandlerProgress",
    "ProgressStatus",
    "RegistryAction",
    "RegistryFrontEnd",
    "RegistryRequest",
    "registry_settings",
]

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

STEP_SHARE = 0.3
"""Share of a mutating invocation's work budget in which the engine starts steps (see ``_carry``)."""

STEP_CALL_WINDOW = 18.0
"""Seconds a step's AWS calls may go on after the time for steps (:data:`STEP_SHARE` of the budget)
is over: a step started in time ends its calls with time left for the journal and the answer (12 s
of steps, 18 s more, 10 s for the last writes and the hand-off), and every step has time for calls
throttled three times in a row (1 + 2 + 4 s of backoff each)."""

RETRY_SECONDS = {True: 1, False: 5}
"""Callback delay after an invocation ran out of its budget (True) or met a transient AWS error
outside a step (False): CloudFormation invokes the handler again with the same context."""


def registry_settings() -> ProviderSettings:
    """The engine's tunables under the registry type: a poll is a callback, and every wait is handed
    to CloudFormation (the hand-off margin is over any invocation's work budget), never slept."""
    return ProviderSettings(
        poll_interval=REGISTRY_POLL_SECONDS,
        handoff_margin=max(WORK_BUDGET_SECONDS.values()) + 20.0,
        step_call_window=STEP_CALL_WINDOW,
    )


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
    budgets:
        Seconds of work per invocation of each handler (:data:`WORK_BUDGET_SECONDS`).
    """

    runtime: ProviderRuntime
    log: Any
    notify: Callable[[str, str], None] = field(default=lambda kind, text: None)
    budgets: Mapping[RegistryAction, float] = field(default_factory=lambda: dict(WORK_BUDGET_SECONDS))

    def handle(self, request: RegistryRequest, callback_context: Mapping[str, Any] | None) -> HandlerProgress:
        """One invocation of the handler of ``request.action`` (dispatched by table), every AWS call
        in it bounded by the handler's work budget counted from now."""
        handlers: dict[RegistryAction, Callable[[], HandlerProgress]] = {
            RegistryAction.READ: lambda: self._read(request),
            RegistryAction.LIST: lambda: self._list(request),
            RegistryAction.CREATE: lambda: self._mutate(request, callback_context),
            RegistryAction.UPDATE: lambda: self._mutate(request, callback_context),
            RegistryAction.DELETE: lambda: self._mutate(request, callback_context),
        }
        with call_deadline(self.runtime.clock.now() + self.budgets[request.action]):
            try:
                return handlers[request.action]()
            except PropertyError as error:
                return HandlerProgress.failed(FailCode.INVALID_REQUEST, str(error))
            except AWS_ERRORS as error:  # read and list answer at once, whatever AWS said
                return HandlerProgress.failed(code_of(error), reason_of(error))
            except JournalUnavailableError as error:  # the journal's own retries ended (read, list)
                return HandlerProgress.failed(journal_code(error), f"rollout journal unavailable: {error}")

    # ---- read and list ----------------------------------------------------------------------
    def _read(self, request: RegistryRequest) -> HandlerProgress:
        name = str((request.desired or {}).get("EndpointName") or "")
        rt = self.runtime
        journal = self._journal(request)
        owner = self._owner(request)
        item: list[EndpointItem] = []

        def recorded() -> EndpointItem:
            if not item:
                item.append(journal.endpoint(name) if journal is not None else EndpointItem())
            return item[0]

        def owns(tags: Mapping[str, str]) -> bool:
            # The type's tag value, or an endpoint it created before it had one: its own stack
            # resource's tags (a read from that stack), or the journal's creation record.
            legacy = tags.get(MANAGED_BY_TAG) == MANAGED_BY_CUSTOM_RESOURCE and recorded().created_by
            return owner.owns(tags) or bool(legacy)

        model = (
            live_model(
                rt.client("sagemaker"),
                rt.client("application-autoscaling"),
                rt.clock,
                name,
                owns,
                lambda config: recorded().requested.get(config, {}),
            )
            if name
            else None
        )
        if model is None:
            return HandlerProgress.failed(
                FailCode.NOT_FOUND,
                f"EndpointName: endpoint {name!r} does not exist or is not one of this type's",
            )
        return HandlerProgress(ProgressStatus.SUCCESS, model=model)

    def _list(self, request: RegistryRequest) -> HandlerProgress:
        journal = self._journal(request)
        if journal is None:
            return _no_journal()
        rt = self.runtime
        names, token = managed_endpoints(
            rt.client("sagemaker"), rt.clock, request.next_token, journal.created_among
        )
        return HandlerProgress(
            ProgressStatus.SUCCESS, models=[{"EndpointName": n} for n in names], next_token=token
        )

    def _journal(self, request: RegistryRequest) -> Journal | None:
        if not request.journal_table:
            return None
        return Journal(self.runtime.client("dynamodb"), request.journal_table, self.runtime.clock)

    @staticmethod
    def _owner(request: RegistryRequest) -> RolloutRequest:
        """The ownership rule of a read (the primary identifier's, with the request's stack and
        logical id for endpoints the type created before it had a tag value of its own)."""
        stack_id, logical_id = owner_ids(request)
        return RolloutRequest(
            RequestKind.UPDATE,
            stack_id,
            logical_id,
            request.client_request_token,
            ownership=Ownership.PRIMARY_IDENTIFIER,
        )

    # ---- create, update, delete ---------------------------------------------------------------
    def _mutate(self, request: RegistryRequest, context: Mapping[str, Any] | None) -> HandlerProgress:
        from sagemaker_rollout.rollout.engine import Engine

        journal = self._journal(request)
        if journal is None:
            return _no_journal()
        wanted = rollout_request(request)  # PropertyError (tags over the limit): InvalidRequest
        try:
            continuation = continuation_of(context)
        except ValueError as error:
            return HandlerProgress.failed(FailCode.INVALID_REQUEST, str(error))
        engine = Engine(self.runtime, journal, self.log, self.notify)
        record: RequestRecord | None = None
        try:
            record = journal.load(wanted.key)
            if continuation is not None:
                refusal = context_refusal(*continuation, wanted, record)
                if refusal is not None:
                    return HandlerProgress.failed(FailCode.INVALID_REQUEST, refusal)
            if record is None:
                first = self._first_sight(request, wanted)
                if first is not None:
                    return first
            elif record.answer is not None:
                return self._progress(request, record.answer, record.state)
            return self._carry(request, wanted, engine, record)
        except (*AWS_ERRORS, JournalUnavailableError) as error:
            if isinstance(error, JournalUnavailableError):
                if not error.transient:
                    why = f"rollout journal unavailable: {error}"
                    return HandlerProgress.failed(journal_code(error), why)
            elif not is_transient(error):
                raise
            # Out of budget, or AWS said "later" outside a step: CloudFormation calls again.
            out_of_time = isinstance(error, (CallDeadlineError, JournalUnavailableError))
            token = record.token if record is not None else ""
            return HandlerProgress(
                ProgressStatus.IN_PROGRESS,
                message=f"continuing: {reason_of(error)}",
                callback_context={CONTINUATION_KEY: {"key": wanted.key, "token": token}},
                callback_delay_seconds=RETRY_SECONDS[out_of_time],
                model=self._in_progress_model(request, wanted),
            )

    def _carry(
        self, request: RegistryRequest, wanted: RolloutRequest, engine: Any, record: RequestRecord | None
    ) -> HandlerProgress:
        from sagemaker_rollout.rollout.engine import WaitMode

        CALLBACK = WaitMode.CALLBACK  # the registry type waits through callbacks (issue 23)
        rt = self.runtime
        captured: dict[str, Any] = {}
        # Steps start only in the first part of the budget: the last one, the journal's writes and
        # the hand-off to CloudFormation get the rest (every AWS call still ends by the deadline).
        steps_until = current_deadline(rt) - self.budgets[request.action] * (1 - STEP_SHARE)

        def remaining() -> float:
            return steps_until - rt.clock.now()

        if record is not None:
            # The journal is the memory: an invocation killed after it moved the token on (or
            # before CloudFormation got its event) is resumed with the journal's token.
            result = engine.resume(
                record.key, record.token, remaining=remaining, hand_off=captured.update, mode=CALLBACK
            )
        else:
            result = engine.run(
                wanted,
                invocation_id=f"registry-{request.client_request_token}",
                remaining=remaining,
                hand_off=captured.update,
                mode=CALLBACK,
            )
        if result.answer is not None:
            return self._progress(request, result.answer, result.state)
        if captured.get(CONTINUATION_KEY):
            context_out = dict(captured)
            delay = min(result.delay, REGISTRY_MAX_CALLBACK_SECONDS)  # the timeline's, a backoff or a poll
        else:  # another invocation holds the endpoint, or a conflict: look again later
            latest = engine.journal.load(wanted.key)
            if latest is not None and latest.answer is not None:
                return self._progress(request, latest.answer, latest.state)
            token = latest.token if latest else (record.token if record is not None else "")
            context_out = {CONTINUATION_KEY: {"key": wanted.key, "token": token}}
            delay = rt.settings.poll_interval
        status = result.state.last_status if result.state is not None else ""
        phase = result.state.phase.value if result.state is not None else "waiting"
        return HandlerProgress(
            ProgressStatus.IN_PROGRESS,
            message=f"{phase}{': endpoint ' + status if status else ''}",
            callback_context=context_out,
            callback_delay_seconds=max(1, math.ceil(delay)),
            model=self._in_progress_model(request, wanted),
        )

    @staticmethod
    def _in_progress_model(request: RegistryRequest, wanted: RolloutRequest) -> dict[str, Any]:
        """An IN_PROGRESS event's model: the desired model with its primary identifier (the contract
        runner requires the identifier in every IN_PROGRESS event, delete's included, and sends the
        model back as the next invocation's desired state)."""
        name = wanted.physical_id or str(wanted.properties.get("EndpointName") or "")
        return {**dict(request.desired or {}), "EndpointName": name}

    def _first_sight(self, request: RegistryRequest, wanted: RolloutRequest) -> HandlerProgress | None:
        """The handler contract's checks before anything is touched (CloudFormation CLI user guide,
        "Resource type handler contract"): a create of an existing resource fails AlreadyExists
        (unless ``AdoptExistingEndpoint``: the one documented exception), an update of the create-only
        ``EndpointName`` NotUpdatable, an update or delete of a missing one (or of an endpoint that is
        not the type's: a custom resource's) NotFound, invalid properties InvalidRequest."""
        action = request.action
        if action is RegistryAction.UPDATE and (why := name_change(request)) is not None:
            return HandlerProgress.failed(FailCode.NOT_UPDATABLE, why)
        if action is not RegistryAction.DELETE:
            parse_endpoint_properties(
                dict(wanted.properties),
                time_limit=wanted.explicit_time_limit,
                smoke_functions=wanted.smoke_functions,
            )
        name = wanted.physical_id or str(wanted.properties.get("EndpointName") or "")
        rt = self.runtime
        sm = rt.client("sagemaker")
        described = describe_endpoint(sm, rt.clock, name) if name else None
        if action is RegistryAction.CREATE:
            adopt = str(wanted.properties.get("AdoptExistingEndpoint", "")).lower() == "true"
            if described is not None and not adopt:
                why = f"EndpointName: endpoint {name} already exists; choose another name"
                return HandlerProgress.failed(FailCode.ALREADY_EXISTS, why)
            return None
        if described is None or described.get("EndpointStatus") == "Deleting":
            mine = False
        else:
            mine = wanted.owns(tags_of(call(rt.clock, sm.list_tags, ResourceArn=described["EndpointArn"])))
        if not mine:
            return HandlerProgress.failed(
                FailCode.NOT_FOUND,
                f"EndpointName: endpoint {name!r} does not exist or is not one of this type's",
            )
        return None

    @staticmethod
    def _progress(request: RegistryRequest, answer: Answer, state: RolloutState | None) -> HandlerProgress:
        if not answer.succeeded:
            issued = state is not None and (
                state.update_intent_at is not None or state.create_intent_at is not None
            )
            fallback = FailCode.NOT_STABILIZED if issued else FailCode.GENERAL_SERVICE_EXCEPTION
            return HandlerProgress.failed(answer.code or fallback, answer.reason)
        if request.action is RegistryAction.DELETE:
            return HandlerProgress(ProgressStatus.SUCCESS)  # "MUST NOT contain a model" (the contract)
        # The schema's writeOnlyProperties are never returned ("Resource type handler contract").
        model = {k: v for k, v in dict(request.desired or {}).items() if k not in WRITE_ONLY}
        model["EndpointName"] = answer.data.get("EndpointName") or answer.physical_id
        for key in READ_ONLY:
            if answer.data.get(key):
                model[key] = answer.data[key]
        return HandlerProgress(ProgressStatus.SUCCESS, model=model)


def current_deadline(runtime: ProviderRuntime) -> float:
    """The call deadline the invocation runs under (:meth:`RegistryFrontEnd.handle` sets it)."""
    from sagemaker_rollout.aws.calls import current_call_deadline

    deadline = current_call_deadline()
    return deadline if deadline is not None else runtime.clock.now() + max(WORK_BUDGET_SECONDS.values())


def _no_journal() -> HandlerProgress:
    return HandlerProgress.failed(
        FailCode.INVALID_TYPE_CONFIGURATION,
        "JournalTableName: not set; set it to the provider stack's RolloutJournalTableName "
        "output with `aws cloudformation set-type-configuration`",
    )
