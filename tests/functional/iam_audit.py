"""Record the provider's AWS calls with what AWS authorizes for each, and decide them against its role.

Shared by ``test_policy_coverage.py`` (scenarios written for it) and the functional suites' autouse
audit (``conftest.py``: every call any functional test makes the provider do is decided too).
See :mod:`sagemaker_rollout_testing.iam_requests` and :mod:`sagemaker_rollout_testing.iam_eval`.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout_testing.iam_eval import AuthRequest, action_matches, evaluate, role_statements
from sagemaker_rollout_testing.iam_requests import Account, NotModelledError, authorization_requests

REPO = Path(__file__).resolve().parents[2]
ROLE_ID = "EndpointProviderRole"
ACCOUNT_ID, REGION = "123456789012", "us-east-1"
MANAGED_BY = "sagemaker-rollout:managed-by"
JOURNAL_TABLE = "sagemaker-rollout-journal"  # the table the test kit creates for RolloutJournalTable
#: Namespaces in which a granted action nothing needs is a finding.
CHECKED_PREFIXES = (
    "sagemaker:",
    "application-autoscaling:",
    "cloudwatch:",
    "lambda:",
    "dynamodb:",
    "cloudformation:",
)
#: Granted, checked actions that the scenarios below do not reach, each with the reason it stays.
RARE_PATHS: dict[str, str] = {
    "application-autoscaling:DescribeScheduledActions": "snapshot of scheduled actions (issue 9.3)",
    "application-autoscaling:PutScheduledAction": "restore of scheduled actions (issue 9.3)",
    "application-autoscaling:DeleteScheduledAction": "restore of scheduled actions (issue 9.3)",
    "cloudformation:DescribeStacks": "Delete of an adopted endpoint (test_adoption.py, audited there)",
}


# ------------------------------------------------------------------------------------- helpers --
@lru_cache(maxsize=1)
def _template_text() -> str:
    return json.dumps(cfn_yaml.load(str(REPO / "template.yaml")), default=str)


def _template() -> dict[str, Any]:
    return json.loads(_template_text())  # type: ignore[no-any-return]


def statements_for(function_arn: str, *, managed: bool = True, **parameters: str) -> list[dict[str, Any]]:
    """The provider role's statements, resolved for the test account with ``parameters`` (``managed``:
    with the managed policies attached to it, else its inline policies only)."""
    return role_statements(
        _template(),
        ROLE_ID,
        account_id=ACCOUNT_ID,
        region=REGION,
        parameters=parameters,
        attributes={
            "EndpointProviderFunction.Arn": function_arn,
            # the table the test kit creates for the stack's RolloutJournalTable
            "RolloutJournalTable.Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{JOURNAL_TABLE}",
        },
        managed=managed,
    )


@dataclass(frozen=True)
class Call:
    """One recorded API call and the authorizations AWS made for it (computed at call time)."""

    service: str
    operation: str
    params: dict[str, Any]
    requests: tuple[AuthRequest, ...]


def denied(calls: list[Call], statements: list[dict[str, Any]]) -> list[str]:
    """One line per authorization the statements do not allow."""
    return [
        f"{request.why}: {request.action} on {request.resource} ({dict(request.context)})"
        for call in calls
        for request in call.requests
        if not evaluate(statements, request).allowed
    ]


def _granted(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        if statement["Effect"] == "Allow":
            value = statement["Action"]
            actions.update(value if isinstance(value, list) else [value])
    return actions


def unused(calls: list[Call], statements: list[dict[str, Any]]) -> set[str]:
    """Granted actions of the checked services that no authorization needed and that are not allow-listed."""
    needed = {request.action for call in calls for request in call.requests}
    return {
        action
        for action in _granted(statements)
        if action.startswith(CHECKED_PREFIXES)
        and not any(action_matches(action, n) for n in needed)
        and action not in RARE_PATHS
    }


class Recorder:
    """Records every call made by a client the provider builds, with its authorizations.

    ``strict`` (the default) lets :class:`~sagemaker_rollout_testing.iam_requests.NotModelledError`
    escape into the call; otherwise such operations are collected in :attr:`unmodelled`.
    """

    def __init__(self, account: Account, *, strict: bool = True) -> None:
        self.account = account
        self.strict = strict
        self.calls: list[Call] = []
        self.unmodelled: list[str] = []
        self._hooked: set[int] = set()
        self.smoke_pattern = ""

    @property
    def actions(self) -> set[str]:
        return {request.action for call in self.calls for request in call.requests}

    @property
    def operations(self) -> set[str]:
        return {f"{call.service}.{call.operation}" for call in self.calls}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Wrap ``ProviderRuntime.client`` (before the provider builds any client)."""
        original = ProviderRuntime.client
        recorder = self

        def client(runtime: ProviderRuntime, service: str) -> Any:
            built = original(runtime, service)
            if id(built) not in recorder._hooked:
                recorder._hooked.add(id(built))
                built.meta.events.register("before-parameter-build", recorder._handler(service))
            return built

        monkeypatch.setattr(ProviderRuntime, "client", client)
        original_bounded = ProviderRuntime.bounded_client

        def bounded_client(runtime: ProviderRuntime, service: Any, seconds: float) -> Any:
            built = original_bounded(runtime, service, seconds)
            if id(built) not in recorder._hooked:
                recorder._hooked.add(id(built))
                built.meta.events.register("before-parameter-build", recorder._handler(service))
            return built

        monkeypatch.setattr(ProviderRuntime, "bounded_client", bounded_client)

    def _handler(self, service: str) -> Any:
        def record(model: Any, params: dict[str, Any], **_: Any) -> None:
            try:
                requests = authorization_requests(service, model.name, params, self.account)
            except NotModelledError as error:
                if self.strict:
                    raise
                self.unmodelled.append(str(error))
                return
            self.calls.append(Call(service, model.name, copy.deepcopy(params), tuple(requests)))
            # The stack parameter the provider ran with (its environment; a test sets it for a while)
            self.smoke_pattern = os.environ.get("SAGEMAKER_ROLLOUT_SMOKE_FUNCTIONS", self.smoke_pattern)

        return record


def function_tags(arn: str) -> dict[str, str]:
    """A Lambda function's tags (moto's Lambda backend; {} when it does not exist)."""
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[ACCOUNT_ID][REGION].get_function(arn.split(":function:", 1)[1])
    except Exception:  # no such function: no tags
        return {}
    return dict(function.tags or {})


def registry_statements() -> list[dict[str, Any]]:
    """The registry type's execution role (``registry/resource-role.yaml``), resolved for the test
    account and the journal table the test kit creates."""
    loaded = cfn_yaml.load(str(REPO / "registry" / "resource-role.yaml"))
    template = json.loads(json.dumps(loaded, default=str))
    return role_statements(
        template,
        "ExecutionRole",
        account_id=ACCOUNT_ID,
        region=REGION,
        parameters={"JournalTableName": JOURNAL_TABLE},
    )


def audit(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, *, registry_type: bool = False
) -> Any:
    """Generator behind the functional suites' autouse fixture: record, then decide every call.

    ``registry_type``: the calls are the registry type's handlers', decided against its execution
    role (``registry/resource-role.yaml``) instead of the custom resource's ``EndpointProviderRole``.

    The resources' tags are read from moto's SageMaker backend directly (the mock is process-wide):
    the same data ListTags returns, without a request through botocore and moto's HTTP layer, which
    doubled the cost of every call the provider makes.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sagemaker.models import sagemaker_backends

    assert DEFAULT_ACCOUNT_ID == ACCOUNT_ID

    def tags(arn: str) -> dict[str, str]:
        if ":lambda:" in arn:
            return function_tags(arn)
        try:
            # What moto's ListTags handler calls (moto/sagemaker/responses.py), first page only.
            found, _token = sagemaker_backends[ACCOUNT_ID][REGION].list_tags(
                arn=arn, MaxResults=None, NextToken=None
            )
        except Exception:  # not there (yet, or any more), or not a SageMaker ARN: no resource tags
            return {}
        return {t["Key"]: t["Value"] for t in found}

    recorder = Recorder(Account(ACCOUNT_ID, REGION, tags), strict=False)
    recorder.install(monkeypatch)
    yield recorder
    if not recorder.calls and not recorder.unmodelled:
        return
    # The provider only ever invokes the function it runs in (EndpointProviderFunction.Arn).
    # (Its self-invocations are the asynchronous ones; a smoke-test function is invoked RequestResponse.)
    invoked = [
        r.resource
        for c in recorder.calls
        if c.params.get("InvocationType") == "Event"
        for r in c.requests
        if r.action == "lambda:InvokeFunction"
    ]
    function_arn = invoked[0] if invoked else f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:provider"
    smoke = {"SmokeTestFunctionNamePattern": recorder.smoke_pattern}
    statements = registry_statements() if registry_type else statements_for(function_arn, **smoke)
    findings = denied(recorder.calls, statements) + [
        f"{name}: authorization not modelled in sagemaker_rollout_testing.iam_requests"
        for name in recorder.unmodelled
    ]
    role = "registry type's execution role" if registry_type else "provider's IAM role"
    assert not findings, f"the {role} would refuse:\n" + "\n".join(findings[:20])
