"""crhelper, the provider's response layer, through its public API (the only module importing crhelper).

The answer to a custom-resource request is a PUT to its pre-signed ``ResponseURL``: the custom
resource's front end sends it, and so does the SageMaker-event resume (issue 23) when the request it
resumed is answered; both use this module, which therefore sits in the AWS layer.

crhelper (https://github.com/aws-cloudformation/custom-resource-helper, pinned by the lock file
``layers/requirements.txt``) owns the CloudFormation protocol: the JSON body it PUTs to the
request's pre-signed ``ResponseURL`` (CloudFormation user guide, "Custom resource response
objects": Status, Reason, PhysicalResourceId, StackId, RequestId, LogicalResourceId, NoEcho, Data),
its retries, the physical id it keeps or generates, the reason it truncates.

The provider decides its answer *before* it asks crhelper to send it: the engine runs outside
crhelper, so an invocation that hands its wait over to a fresh invocation simply never calls
crhelper (nothing to hold back). :class:`CfnResponder` then hands crhelper the answer through its
public API only: ``CfnResource(json_logging, log_level, boto_level, sleep_on_delete, ssl_verify)``,
the ``create`` / ``update`` / ``delete`` decorators, ``__call__``, and the ``Data``,
``PhysicalResourceId`` and ``Reason`` attributes.

One private hook remains, here and nowhere else: ``CfnResource._set_timeout``. crhelper arms a
``threading.Timer`` (remaining time - 0.5 s) in it that PUTs FAILED "Execution timed out". The
provider's answer is already recorded in its journal when crhelper sends it, and Lambda's retry
(or the dead-letter queue) re-sends that recorded answer, so a FAILED from the timer would
contradict it; the provider's own timer (on its injected clock) only logs. The hook is a no-op.
``tests/unit/test_crhelper_contract.py`` pins every crhelper behaviour relied on (the hook's name
and call, the body's shape, the physical id and reason rules, no EventBridge rule without poll
functions), so an upgrade that changes one fails a test rather than production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from crhelper import FAILED, SUCCESS, CfnResource

__all__ = ["FAILED", "PRIVATE_HOOKS", "SUCCESS", "CfnResponder"]

PRIVATE_HOOKS = ("_set_timeout",)
"""crhelper's private names this module relies on (pinned by the contract tests)."""


class _Resource(CfnResource):
    """crhelper's resource with its "Execution timed out" timer off (see the module docstring)."""

    def _set_timeout(self) -> None:
        """Called by crhelper once per request after resetting its state; no timer is armed."""


@dataclass(frozen=True)
class _Pending:
    status: str
    physical_id: str = ""
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    error: Exception | None = None


class CfnResponder:
    """Sends the provider's answer to CloudFormation through crhelper.

    Parameters
    ----------
    log_level, boto_level:
        crhelper's log levels (it sets the root logger's and boto's on every request).
    sleep_on_delete:
        crhelper's pause (s) before answering a Delete (CloudWatch Logs flushing).
    ssl_verify:
        crhelper's ``ssl_verify`` for the HTTPS PUT: a CA bundle path, ``False`` or ``None``
        (the system's trust store).
    """

    def __init__(
        self,
        *,
        log_level: str = "INFO",
        boto_level: str = "WARNING",
        sleep_on_delete: int = 0,
        ssl_verify: str | bool | None = None,
    ) -> None:
        self._resource = _Resource(
            json_logging=False,
            log_level=log_level,
            boto_level=boto_level,
            sleep_on_delete=sleep_on_delete,
            # crhelper's stub says Optional[bool]; its PUT also takes a CA bundle path (utils._send_response).
            ssl_verify=cast(Any, ssl_verify),
        )
        self._pending: _Pending | None = None
        for register in (self._resource.create, self._resource.update, self._resource.delete):
            register(self._deliver)

    def answer(
        self,
        event: Mapping[str, Any],
        context: Any,
        *,
        status: str,
        physical_id: str = "",
        reason: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """PUT ``status`` (``SUCCESS`` / ``FAILED``) for ``event`` to its ResponseURL.

        An empty ``physical_id`` lets crhelper keep the event's ``PhysicalResourceId`` (or, on a
        Create, generate one). ``data`` becomes the response's ``Data`` (SUCCESS only).
        """
        if status not in (SUCCESS, FAILED):
            raise ValueError(f"status: {status!r} is not {SUCCESS} or {FAILED}")
        self._send(event, context, _Pending(status, physical_id, reason, dict(data or {})))

    def fail(self, event: Mapping[str, Any], context: Any, error: Exception) -> None:
        """PUT FAILED for ``event`` with ``str(error)`` as the reason (crhelper logs the traceback)."""
        self._send(event, context, _Pending(FAILED, error=error))

    def _send(self, event: Mapping[str, Any], context: Any, pending: _Pending) -> None:
        self._pending = pending
        try:
            self._resource(dict(event), context)
        finally:
            self._pending = None

    def _deliver(self, event: Any, context: Any) -> str:
        """The function registered for Create, Update and Delete: hands crhelper the pending answer."""
        pending = self._pending
        if pending is None:  # pragma: no cover - crhelper only calls back from inside _send
            raise RuntimeError("no answer to send")
        if pending.error is not None:
            raise pending.error
        if pending.status == FAILED:
            if pending.physical_id:
                # crhelper keeps an id set before the function raises (its _wrap_function).
                self._resource.PhysicalResourceId = pending.physical_id
            raise RuntimeError(pending.reason)
        if pending.reason:  # a SUCCESS may say why (an adopted endpoint released, not deleted)
            self._resource.Reason = pending.reason
        self._resource.Data.update(pending.data)
        return pending.physical_id
