"""IAM policy coverage: every AWS call the provider makes is granted by its role, and nothing more.

Representative provider scenarios run through the real handler (crhelper, the CloudFormation
driver, moto and the SageMaker simulator) while every operation the provider's own boto3 clients
make is recorded (a botocore ``before-parameter-build`` handler on each client the provider
builds; the test's own clients are not recorded). Each operation maps to its IAM action and must
be allowed by ``EndpointProviderRole`` (inline policies plus the ``EndpointProviderSelfInvoke``
policy) in ``template.yaml``; conversely the role must not grant a SageMaker, Application Auto
Scaling, CloudWatch or Lambda action that no scenario calls, except the few allow-listed below.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from sagemaker_rollout.provider import ProviderRuntime
from world import ALARM, World

REPO = Path(__file__).resolve().parents[2]
ROLE = "EndpointProviderRole"

#: boto3 service name -> IAM service prefix (CloudWatch's API is "monitoring" on the wire).
IAM_PREFIX = {
    "sagemaker": "sagemaker",
    "application-autoscaling": "application-autoscaling",
    "cloudwatch": "cloudwatch",
    "lambda": "lambda",
}
#: Operations whose IAM action is not named after the operation.
ACTION_OF = {("lambda", "Invoke"): "lambda:InvokeFunction"}
#: Namespaces in which a granted action the code never calls is a finding.
CHECKED_PREFIXES = ("sagemaker:", "application-autoscaling:", "cloudwatch:", "lambda:")
#: Granted, checked actions that the scenarios below do not reach, each with the reason it stays.
RARE_PATHS: dict[str, str] = {
    "application-autoscaling:PutScheduledAction": (
        "restore puts back the scheduled actions deregistration deleted; these scenarios schedule "
        "none (tests/functional/test_autoscaling_snapshot.py does)"
    ),
}


# ------------------------------------------------------------------------------------- helpers --
def _statements(role: str = ROLE) -> list[dict[str, Any]]:
    """Allow statements that apply to ``role``: its inline policies and RolePolicies naming it."""
    template = json.loads(json.dumps(cfn_yaml.load(str(REPO / "template.yaml")), default=str))
    result = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if logical_id == role and resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy") and props.get("RoleName") == {
            "Ref": role
        }:
            documents = [props["PolicyDocument"]]
        for document in documents:
            result.extend(s for s in document["Statement"] if s.get("Effect") == "Allow")
    return result


def _granted_actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions.update(value if isinstance(value, list) else [value])
    return actions


def uncovered(called: set[str], statements: list[dict[str, Any]]) -> set[str]:
    """Called actions no Allow statement grants (IAM action names are case-insensitive, ``*`` allowed)."""
    granted = [a.lower() for a in _granted_actions(statements)]
    return {action for action in called if not any(fnmatch.fnmatchcase(action.lower(), g) for g in granted)}


def unused(called: set[str], statements: list[dict[str, Any]]) -> set[str]:
    """Granted actions of the checked services that nothing called and that are not allow-listed."""
    lowered = {action.lower() for action in called}
    return {
        action
        for action in _granted_actions(statements)
        if action.startswith(CHECKED_PREFIXES) and action.lower() not in lowered and action not in RARE_PATHS
    }


class Recorder:
    """Records the IAM action of every request made by a client the provider builds."""

    def __init__(self) -> None:
        self.actions: set[str] = set()
        self.operations: list[str] = []
        self._hooked: set[int] = set()

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

    def _handler(self, service: str) -> Any:
        def record(model: Any, **_: Any) -> None:
            prefix = IAM_PREFIX.get(service, service)
            self.actions.add(ACTION_OF.get((service, model.name), f"{prefix}:{model.name}"))
            self.operations.append(f"{service}.{model.name}")

        return record


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recording = Recorder()
    recording.install(monkeypatch)
    return recording


@pytest.fixture
def account(recorder: Recorder, world: World) -> World:
    """The shared simulated account (``world``), with the provider's calls recorded."""
    return world


def _run_all_scenarios(account: World) -> None:
    """Create, guarded updates (autoscaling suspend/restore, alarm rollback, hand-off), retag, delete."""
    driver = account.driver
    # create, with tags
    created = driver.create(account.props(tags={"team": "ml", "cost": "a"}), logical_id="Classifier")
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
    # a bake longer than one Lambda invocation: the provider invokes itself to continue
    account.alarm_at(0, "OK")
    account.clock.sleep(1)
    long = driver.update("classifier", account.props("model-a-v3", wait=1200), new, logical_id="Classifier")
    assert long.status == "SUCCESS" and long.invocations >= 2, long.reason
    # tags only: one tag changed, one removed, no rollout
    retagged = driver.update(
        "classifier",
        account.props("model-a-v3", wait=1200, tags={"team": "platform"}),
        account.props("model-a-v3", wait=1200),
        logical_id="Classifier",
    )
    assert retagged.status == "SUCCESS", retagged.reason
    # delete: the endpoint and the configs the provider created
    deleted = driver.delete("classifier", account.props("model-a-v3", wait=1200), logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    assert account.sm.list_endpoint_configs()["EndpointConfigs"] == []


# --------------------------------------------------------------------------------------- tests --
def test_policy_coverage_every_provider_call_is_granted_and_every_grant_is_used(
    account: World, recorder: Recorder
) -> None:
    # GIVEN the provider role's policies WHEN representative scenarios run through the real handler
    _run_all_scenarios(account)
    statements = _statements()
    # THEN the recorder saw the calls of every path (it hooks the provider's clients, not the test's)
    assert {
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateEndpoint",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:ListEndpointConfigs",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:RegisterScalableTarget",
        "cloudwatch:DescribeAlarms",
        "lambda:InvokeFunction",
    } <= recorder.actions, sorted(recorder.actions)
    # the provider never creates models; it writes an alarm only to re-point it at a restored policy
    assert "sagemaker:CreateModel" not in recorder.actions
    assert "cloudwatch:PutMetricAlarm" in recorder.actions
    # AND every action the provider called is granted
    assert uncovered(recorder.actions, statements) == set()
    # AND the role grants no SageMaker / autoscaling / CloudWatch / Lambda action that nothing called
    assert unused(recorder.actions, statements) == set()


def test_policy_coverage_missing_grant_is_detected(account: World, recorder: Recorder) -> None:
    # GIVEN a create and a delete recorded through the real handler
    created = account.driver.create(account.props(), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason
    deleted = account.driver.delete("classifier", account.props(), logical_id="Classifier")
    assert deleted.status == "SUCCESS", deleted.reason
    statements = _statements()
    assert uncovered(recorder.actions, statements) == set()
    # WHEN a copy of the policy loses sagemaker:ListEndpointConfigs (what Delete calls to find its configs)
    reduced = copy.deepcopy(statements)
    for statement in reduced:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != "sagemaker:ListEndpointConfigs"]
    # THEN the coverage check names exactly that action
    assert uncovered(recorder.actions, reduced) == {"sagemaker:ListEndpointConfigs"}


def test_policy_coverage_unneeded_grant_is_detected(account: World, recorder: Recorder) -> None:
    # GIVEN a create recorded through the real handler, and a policy granting one more SageMaker action
    created = account.driver.create(account.props(), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason
    extra = [*_statements(), {"Effect": "Allow", "Action": ["sagemaker:CreateModel"], "Resource": "*"}]
    # WHEN unused grants are computed THEN the extra action is among them
    assert "sagemaker:CreateModel" in unused(recorder.actions, extra)


@pytest.mark.parametrize(
    ("called", "granted", "missing"),
    [
        ({"sagemaker:DescribeEndpoint"}, ["sagemaker:Describe*"], set()),
        ({"sagemaker:DescribeEndpoint"}, ["SageMaker:describeendpoint"], set()),
        (
            {"sagemaker:DescribeEndpoint"},
            ["sagemaker:DescribeEndpointConfig"],
            {"sagemaker:DescribeEndpoint"},
        ),
        ({"lambda:InvokeFunction"}, "lambda:InvokeFunction", set()),
    ],
    ids=["wildcard", "case-insensitive", "prefix-is-not-a-match", "single-action-string"],
)
def test_policy_coverage_matching_follows_iam_action_rules(
    called: set[str], granted: Any, missing: set[str]
) -> None:
    # GIVEN one statement WHEN coverage is computed THEN IAM's matching rules apply
    assert uncovered(called, [{"Effect": "Allow", "Action": granted, "Resource": "*"}]) == missing
