"""IAM policy coverage: every authorization the provider's calls need is allowed, and nothing more.

Representative provider scenarios run through the real handler (crhelper, the CloudFormation
driver, moto and the SageMaker simulator). Every operation the provider's own boto3 clients make is
recorded (a botocore ``before-parameter-build`` handler on each client the provider builds; the
test's own clients are not recorded) and turned, at call time, into the authorizations AWS makes
for it: action, resource ARN and request context (the resource's current tags, the request's tags,
dependent actions and Application Auto Scaling's permission validation), as modelled in
:mod:`sagemaker_rollout_testing.iam_requests` from the Service Authorization Reference. Each is then
decided by :mod:`sagemaker_rollout_testing.iam_eval` against ``EndpointProviderRole``'s policies in
``template.yaml`` (its inline policies plus every ``AWS::IAM::RolePolicy`` / ``AWS::IAM::Policy``
attached to it), with and without ``ResourceNamePrefix``. moto's own IAM enforcement cannot do this:
it evaluates neither resources nor conditions.

Conversely the role must not grant a SageMaker, Application Auto Scaling, CloudWatch or Lambda
action that nothing needs, except the few allow-listed below; and the ownership conditions must deny
what the provider must never do (issue 13): change an untagged or foreign endpoint, create without
the ownership tags, adopt an endpoint nobody offered.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import replace
from typing import Any

import pytest
from iam_audit import (
    ACCOUNT_ID,
    MANAGED_BY,
    REGION,
    Recorder,
    denied,
    function_tags,
    statements_for,
    unused,
)
from world import ALARM, ROLE, World

from sagemaker_rollout.spec.smoke import CONSENT_TAG, SMOKE_FUNCTIONS_ENV
from sagemaker_rollout_testing.functions import LocalFunctions
from sagemaker_rollout_testing.iam_eval import AuthRequest, evaluate
from sagemaker_rollout_testing.iam_requests import Account


@pytest.fixture
def account(world: World) -> World:
    """The shared simulated account (``world``)."""
    return world


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch, world: World) -> Recorder:
    def tags(arn: str) -> dict[str, str]:
        if ":lambda:" in arn:
            return function_tags(arn)
        try:
            return world.tags(arn)
        except Exception:  # not there (yet, or any more): no resource tags
            return {}

    recording = Recorder(Account(ACCOUNT_ID, REGION, tags))
    recording.install(monkeypatch)
    return recording


SMOKE_PATTERN = "smoke-*"
"""The provider stack's SmokeTestFunctionNamePattern in these scenarios."""


def _run_all_scenarios(account: World) -> None:
    """Create, guarded updates (autoscaling suspend/restore, alarm rollback, hand-off), retag, delete."""
    driver = account.driver
    # create, with tags and an execution role (passed to SageMaker)
    created = driver.create(
        account.props(tags={"team": "ml", "cost": "a"}, ExecutionRoleArn=ROLE), logical_id="Classifier"
    )
    assert created.status == "SUCCESS", created.reason
    # an instance-type change while autoscaled: save, deregister, roll out, restore
    account.autoscale()
    account.autoscale_step()
    old, new = account.props(tags={"team": "ml", "cost": "a"}), account.props("model-a-v2", "ml.c5.2xlarge")
    new["Tags"] = old["Tags"]
    updated = driver.update("classifier", new, old, logical_id="Classifier")
    assert updated.status == "SUCCESS", updated.reason
    # an alarm during the canary's bake: SageMaker rolls back, the provider names the alarm
    account.alarm_at(400, "ALARM")
    rolled_back = driver.update(
        "classifier",
        account.props("model-a-v3", "ml.c5.2xlarge", tags={"team": "ml", "cost": "a"}),
        new,
        logical_id="Classifier",
    )
    assert rolled_back.status == "FAILED" and ALARM in rolled_back.reason, rolled_back.reason
    # the same, with the alarm back to OK before the rollback settles: the provider reads its history
    account.alarm_at(0, "OK")
    account.clock.sleep(1)
    account.alarm_at(400, "ALARM")
    account.alarm_at(460, "OK")
    again = driver.update(
        "classifier",
        account.props("model-a-v3", "ml.c5.2xlarge", tags={"team": "ml", "cost": "a"}),
        new,
        logical_id="Classifier",
    )
    assert again.status == "FAILED", again.reason
    # a bake longer than one Lambda invocation (950 s; within the 3600 s worst case): the provider
    # suspends (a delayed wake-up message) and resumes on SageMaker's events or the wake-up
    account.alarm_at(0, "OK")
    account.clock.sleep(1)
    long = driver.update("classifier", account.props("model-a-v3", wait=950), new, logical_id="Classifier")
    assert long.status == "SUCCESS" and long.invocations >= 2, long.reason
    # the same when the wake-up queue refuses: the wait goes on in a fresh invocation (lambda:Invoke)
    driver.scheduled.refuse("ServiceUnavailable", times=999, status=503)
    again = driver.update(
        "classifier",
        account.props("model-a-v2", wait=950),
        account.props("model-a-v3", wait=950),
        logical_id="Classifier",
    )
    assert again.status == "SUCCESS" and any(r.handoffs for r in again.records), again.reason
    driver.scheduled.accept()
    long = driver.update(
        "classifier",
        account.props("model-a-v3", wait=950),
        account.props("model-a-v2", wait=950),
        logical_id="Classifier",
    )
    assert long.status == "SUCCESS", long.reason
    # smoke tests (issue 24): a consenting function of the stack's pattern, then InvokeEndpoint on the
    # provider's own endpoint
    functions = LocalFunctions(account.session).install()
    os.environ[SMOKE_FUNCTIONS_ENV] = SMOKE_PATTERN
    try:
        function = functions.add("smoke-check", lambda event: {"Passed": True}, tags={CONSENT_TAG: "true"})
        smoked = driver.update(
            "classifier",
            account.props("model-a-v2", wait=950, SmokeTest={"FunctionArn": function, "Count": 1}),
            account.props("model-a-v3", wait=950),
            logical_id="Classifier",
        )
        assert smoked.status == "SUCCESS" and functions.invocations, smoked.reason
        smoked = driver.update(
            "classifier",
            account.props("model-a-v3", wait=950, SmokeTest={"Invoke": {"Body": "{}"}, "Count": 1}),
            account.props("model-a-v2", wait=950),
            logical_id="Classifier",
        )
        assert smoked.status == "SUCCESS", smoked.reason
    finally:
        os.environ.pop(SMOKE_FUNCTIONS_ENV, None)
        functions.uninstall()
    # tags only: one tag changed, one removed, no rollout
    retagged = driver.update(
        "classifier",
        account.props("model-a-v3", wait=950, tags={"team": "platform"}),
        account.props("model-a-v3", wait=950),
        logical_id="Classifier",
    )
    assert retagged.status == "SUCCESS", retagged.reason
    # a new EndpointName: a replacement, and CloudFormation's cleanup Delete of the old endpoint (the
    # check with CloudFormation reads the stack's events: DescribeStackResource describes the new one)
    renamed = account.props("model-a-v3", wait=950, tags={"team": "platform"}, name="classifier-b")
    replaced = driver.update(
        "classifier",
        renamed,
        account.props("model-a-v3", wait=950, tags={"team": "platform"}),
        logical_id="Classifier",
    )
    assert replaced.status == "SUCCESS" and replaced.physical_resource_id == "classifier-b", replaced.reason
    cleaned = driver.delete("classifier", account.props("model-a-v3", wait=950), logical_id="Classifier")
    assert cleaned.status == "SUCCESS", cleaned.reason
    # delete: the endpoint and the configs the provider created
    deleted = driver.delete("classifier-b", renamed, logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    assert account.sm.list_endpoint_configs()["EndpointConfigs"] == []


def _requests(recorder: Recorder, action: str) -> list[AuthRequest]:
    found = [r for c in recorder.calls for r in c.requests if r.action == action]
    assert found, f"no {action} recorded"
    return found


# --------------------------------------------------------------------------------------- tests --
def test_policy_coverage_every_authorization_is_allowed_and_every_grant_is_used(
    account: World, recorder: Recorder
) -> None:
    # GIVEN the provider role's policies WHEN representative scenarios run through the real handler
    _run_all_scenarios(account)
    statements = statements_for(account.driver.function_arn, SmokeTestFunctionNamePattern=SMOKE_PATTERN)
    # THEN the recorder saw the calls of every path (it hooks the provider's clients, not the test's)
    assert {
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:AddTags",
        "sagemaker:DeleteTags",
        "sagemaker:ListEndpointConfigs",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:RegisterScalableTarget",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:ListTagsForResource",
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStackEvents",
        "lambda:InvokeFunction",
        "lambda:ListTags",
        "sagemaker:InvokeEndpoint",
        "iam:PassRole",
    } <= recorder.actions, sorted(recorder.actions)
    # the provider never creates models and never changes capacity itself (only AAS validates that right)
    assert "sagemaker.CreateModel" not in recorder.operations
    assert "sagemaker.UpdateEndpointWeightsAndCapacities" not in recorder.operations
    # AND every authorization (resource and conditions included) is allowed
    assert denied(recorder.calls, statements) == []
    # AND the role grants no SageMaker / autoscaling / CloudWatch / Lambda action that nothing needs
    assert unused(recorder.calls, statements) == set()
    # AND (same recording, to keep the suite fast) ResourceNamePrefix narrows what it can
    _check_prefix_narrows_what_it_can(account, recorder)
    # AND updates, deletes and tag changes of untagged or foreign resources are denied by the policy
    _check_ownership_is_enforced_by_the_policy_itself(account, recorder)


def _check_prefix_narrows_what_it_can(account: World, recorder: Recorder) -> None:
    # GIVEN the recorded scenarios (every endpoint and config is named classifier...)
    arn = account.driver.function_arn
    # WHEN the role is deployed with a prefix the names start with THEN everything is still allowed
    narrowed = statements_for(arn, ResourceNamePrefix="classif", SmokeTestFunctionNamePattern=SMOKE_PATTERN)
    assert denied(recorder.calls, narrowed) == []
    # WHEN deployed with another prefix THEN every SageMaker request naming one of them is denied...
    other = statements_for(arn, ResourceNamePrefix="team-b-")
    for call in recorder.calls:
        for request in call.requests:
            named = ":endpoint/" in request.resource or ":endpoint-config/" in request.resource
            if request.action.startswith("sagemaker:") and named:
                assert not evaluate(other, request).allowed, request
    # ... while List* (no resource type) and the autoscaling writes (opaque ARNs) cannot be narrowed
    assert all(evaluate(other, r).allowed for r in _requests(recorder, "sagemaker:ListEndpoints"))
    assert all(
        evaluate(other, r).allowed
        for r in _requests(recorder, "application-autoscaling:RegisterScalableTarget")
    )


def _check_ownership_is_enforced_by_the_policy_itself(account: World, recorder: Recorder) -> None:
    # GIVEN the recorded create / update / retag / delete of an owned endpoint and its configs
    statements = statements_for(account.driver.function_arn)
    changes = [
        r
        for action in (
            "sagemaker:UpdateEndpoint",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DeleteEndpointConfig",
            "sagemaker:DeleteTags",
        )
        for r in _requests(recorder, action)
        if ":endpoint/" in r.resource or action != "sagemaker:UpdateEndpoint"
    ]
    changes += [
        r for r in _requests(recorder, "sagemaker:AddTags") if "sagemaker:TaggingAction" not in r.context
    ]
    assert changes and all(evaluate(statements, r).allowed for r in changes)
    for request in changes:
        resource_tags = {k: v for k, v in request.context.items() if not k.startswith("aws:ResourceTag/")}
        # WHEN the same change targets an untagged endpoint or config THEN IAM denies it
        untagged = replace(request, context=resource_tags)
        assert not evaluate(statements, untagged).allowed, untagged
        # WHEN it targets one another tool manages THEN IAM denies it too
        foreign = replace(request, context={**resource_tags, f"aws:ResourceTag/{MANAGED_BY}": "someone-else"})
        assert not evaluate(statements, foreign).allowed, foreign


def test_policy_coverage_creation_requires_the_ownership_tags(account: World, recorder: Recorder) -> None:
    # GIVEN the recorded creations (they carry the ownership tags)
    created = account.driver.create(account.props(tags={"team": "ml"}), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason
    statements = statements_for(account.driver.function_arn)
    creations = _requests(recorder, "sagemaker:CreateEndpoint") + _requests(
        recorder, "sagemaker:CreateEndpointConfig"
    )
    assert all(evaluate(statements, r).allowed for r in creations)
    for request in creations:
        # WHEN one ownership tag is missing from the request, or managed-by names another tool
        for key in ("sagemaker-rollout:stack-id", MANAGED_BY):
            context = {k: v for k, v in request.context.items() if k != f"aws:RequestTag/{key}"}
            # THEN the creation is denied
            assert not evaluate(statements, replace(request, context=context)).allowed, (key, request)
        other = {**request.context, f"aws:RequestTag/{MANAGED_BY}": "someone-else"}
        assert not evaluate(statements, replace(request, context=other)).allowed
    # AND a direct AddTags cannot pretend to be a tag-on-create
    for request in _requests(recorder, "sagemaker:AddTags"):
        stripped = {k: v for k, v in request.context.items() if k != "sagemaker:TaggingAction"}
        assert not evaluate(statements, replace(request, context=stripped)).allowed


@pytest.mark.parametrize(
    ("resource_tags", "request_tags", "allowed"),
    [
        (
            {"sagemaker-rollout:adoptable": "true"},
            {MANAGED_BY: "sagemaker-rollout", "sagemaker-rollout:stack-id": "s"},
            True,
        ),
        ({"sagemaker-rollout:adoptable": "true"}, {MANAGED_BY: "sagemaker-rollout", "team": "ml"}, False),
        ({"sagemaker-rollout:adoptable": "false"}, {MANAGED_BY: "sagemaker-rollout"}, False),
        ({"sagemaker-rollout:adoptable": "TRUE"}, {MANAGED_BY: "sagemaker-rollout"}, False),
        ({}, {MANAGED_BY: "sagemaker-rollout"}, False),
        ({"sagemaker-rollout:adoptable": "true"}, {"sagemaker-rollout:stack-id": "s"}, False),
    ],
    ids=["consented", "user-tag-too", "refused", "case-matters", "never-offered", "no-managed-by"],
)
def test_policy_coverage_adoption_only_of_consenting_endpoints(
    resource_tags: dict[str, str], request_tags: dict[str, str], allowed: bool
) -> None:
    # GIVEN an AddTags claiming an endpoint that is not (yet) owned
    statements = statements_for("arn:aws:lambda:us-east-1:123456789012:function:p")
    context: dict[str, Any] = {f"aws:ResourceTag/{k}": v for k, v in resource_tags.items()}
    context.update({f"aws:RequestTag/{k}": v for k, v in request_tags.items()})
    context["aws:TagKeys"] = sorted(request_tags)
    request = AuthRequest(
        "sagemaker:AddTags", f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:endpoint/legacy", context
    )
    # WHEN evaluated THEN only the owner's consent (adoptable=true) and only the provider's tags pass
    assert evaluate(statements, request).allowed is allowed


_STACK_UUID = "0f2c6a40-1b2c-11ef-9f3a-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("stack_arn", "allowed"),
    [
        (f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/app/{_STACK_UUID}", True),
        (f"arn:aws:cloudformation:eu-west-1:{ACCOUNT_ID}:stack/app/{_STACK_UUID}", False),
        (f"arn:aws:cloudformation:{REGION}:210987654321:stack/app/{_STACK_UUID}", False),
        ("*", False),
    ],
    ids=["own-stack", "other-region", "other-account", "all-stacks"],
)
@pytest.mark.parametrize("action", ["DescribeStacks", "DescribeStackResource", "DescribeStackEvents"])
def test_policy_coverage_describe_stacks_only_in_own_account_and_region(
    stack_arn: str, allowed: bool, action: str
) -> None:
    # GIVEN the provider role's policy WHEN it reads a stack (its status for the Delete of an adopted
    # endpoint or a rollback; a resource and the stack's events for the check with CloudFormation)
    statements = statements_for(f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:p")
    request = AuthRequest(f"cloudformation:{action}", stack_arn, {})
    # THEN only stacks of its own account and region, and no listing of every stack
    assert evaluate(statements, request).allowed is allowed


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (ROLE, True),
        (f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000", True),
        (f"arn:aws:iam::{ACCOUNT_ID}:role/Admin", False),
        ("arn:aws:iam::210987654321:role/SageMakerRole", False),
    ],
    ids=["named-sagemaker", "console-convention", "admin", "other-account"],
)
def test_policy_coverage_pass_role_only_for_execution_roles(role: str, allowed: bool) -> None:
    # GIVEN the default PassableRoleNamePattern WHEN a role is passed to SageMaker
    # THEN only the naming convention passes
    statements = statements_for("arn:aws:lambda:us-east-1:123456789012:function:p")
    request = AuthRequest("iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert evaluate(statements, request).allowed is allowed
    # AND never to another service
    other = replace(request, context={"iam:PassedToService": "ec2.amazonaws.com"})
    assert not evaluate(statements, other).allowed
    # AND a narrower pattern narrows it
    narrow = statements_for(
        "arn:aws:lambda:us-east-1:123456789012:function:p", PassableRoleNamePattern="ml/*"
    )
    assert not evaluate(narrow, request).allowed


def test_policy_coverage_missing_grant_is_detected(account: World, recorder: Recorder) -> None:
    # GIVEN a create and a delete recorded through the real handler
    created = account.driver.create(account.props(), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason
    deleted = account.driver.delete("classifier", account.props(), logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    statements = statements_for(account.driver.function_arn)
    assert denied(recorder.calls, statements) == []
    # WHEN a copy of the policy loses sagemaker:ListEndpointConfigs (what Delete calls to find its configs)
    reduced = copy.deepcopy(statements)
    for statement in reduced:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != "sagemaker:ListEndpointConfigs"]
    # THEN the coverage check names exactly that action
    assert {line.split(": ")[1].split(" on ")[0] for line in denied(recorder.calls, reduced)} == {
        "sagemaker:ListEndpointConfigs"
    }


def test_policy_coverage_unneeded_grant_is_detected(account: World, recorder: Recorder) -> None:
    # GIVEN a create recorded through the real handler, and a policy granting one more SageMaker action
    created = account.driver.create(account.props(), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason
    extra = [
        *statements_for(account.driver.function_arn),
        {"Effect": "Allow", "Action": ["sagemaker:CreateModel"], "Resource": "*"},
    ]
    # WHEN unused grants are computed THEN the extra action is among them
    assert "sagemaker:CreateModel" in unused(recorder.calls, extra)


def test_policy_coverage_role_policies_fit_iam_inline_size_quota() -> None:
    # GIVEN the longest prefix and role pattern the parameters allow
    statements = statements_for(
        "arn:aws:lambda:us-east-1:123456789012:function:" + "f" * 64,
        ResourceNamePrefix="p" * 40,
        PassableRoleNamePattern="r" * 100,
        managed=False,
    )
    # WHEN the inline policies are serialised without whitespace (as IAM counts them)
    size = len(json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":")))
    # THEN they stay within the role's 10,240-character aggregate inline policy quota, with room for
    # the journal table's policy (IAM user guide, "IAM and AWS STS quotas":
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
    assert size < 10_240 - 1_500, size


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (ROLE, True),
        (f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000", True),
        (f"arn:aws:iam::{ACCOUNT_ID}:role/Admin", False),
        (f"arn:aws:iam::{ACCOUNT_ID}:user/SageMakerUser", False),
    ],
    ids=["named-sagemaker", "console-convention", "admin", "a-user"],
)
def test_policy_coverage_simulates_only_the_roles_it_may_pass(role: str, allowed: bool) -> None:
    # GIVEN the default PassableRoleNamePattern WHEN the provider asks IAM about a principal's
    # permissions (may the execution role read the brake? issue 24)
    statements = statements_for("arn:aws:lambda:us-east-1:123456789012:function:p")
    request = AuthRequest("iam:SimulatePrincipalPolicy", role)
    # THEN only the roles it may pass can be simulated
    assert evaluate(statements, request).allowed is allowed
    # AND a narrower pattern narrows it
    narrow = statements_for(
        "arn:aws:lambda:us-east-1:123456789012:function:p", PassableRoleNamePattern="ml/*"
    )
    assert not evaluate(narrow, request).allowed
