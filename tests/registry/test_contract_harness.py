"""The contract harness of ``make contract-test`` (issue 20): its checks, its endpoint, its inputs.

The harness runs the CloudFormation CLI's own suite (``cfn test``) in another interpreter; these
tests hold the parts that decide its verdicts: the per-invocation checks, the folding of pytest
reports into outcomes, the Lambda Invoke endpoint over the simulated account (callback delays
moving the simulated clock), and the input sets under ``registry/inputs`` (their ``_invalid``
files are refused by the type with InvalidRequest naming the property: the runner of
cloudformation-cli 0.2.41 loads them but no contract test sends them).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from registry_kit import REGISTRY

from sagemaker_rollout.spec import parse_endpoint_properties
from sagemaker_rollout.spec.limits import REGISTRY_TIME_LIMIT
from sagemaker_rollout_testing.contract.checks import (
    BUDGET_SECONDS,
    Invocation,
    check_invocation,
    check_logical_ids,
)
from sagemaker_rollout_testing.contract.run import ProfileResult, compare_expected, expected_of, passed
from sagemaker_rollout_testing.contract.runner import outcome_of

SCHEMA: dict[str, Any] = json.loads((REGISTRY / "sagemakerrollout-sagemaker-endpoint.json").read_text())
INPUTS = REGISTRY / "inputs"


def invocation(action: str = "create", **fields: Any) -> Invocation:
    values: dict[str, Any] = {
        "seq": 1,
        "action": action,
        "operation": "op-1",
        "logical_id": "op-1",
        "callback": False,
        "started": 0.0,
        "elapsed": 1.0,
        "status": "SUCCESS",
        "error_code": None,
        "message": "",
        "model": {"EndpointName": "e"},
        "calls": [],
    }
    values.update(fields)
    return Invocation(**values)


def checks_of(item: Invocation) -> list[str]:
    return [v.check for v in check_invocation(SCHEMA, item)]


# ---- the checks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["create", "update", "delete", "read", "list"])
def test_time_budget_allows_the_budget_and_flags_beyond_it(action: str) -> None:
    budget = BUDGET_SECONDS[action]
    assert checks_of(invocation(action, elapsed=budget)) == []
    assert checks_of(invocation(action, elapsed=budget + 0.1)) == ["time-budget"]


def test_budgets_leave_a_margin_under_the_handler_contract() -> None:
    # CloudFormation CLI user guide, "Resource type handler contract": 60 s for create, update and
    # delete, 30 s for read and list.
    assert max(BUDGET_SECONDS[a] for a in ("create", "update", "delete")) < 60
    assert max(BUDGET_SECONDS[a] for a in ("read", "list")) < 30


def test_a_call_outside_the_schema_permissions_is_named() -> None:
    item = invocation("delete", calls=["sagemaker:DeleteEndpoint", "sagemaker:CreateEndpoint"])
    [violation] = check_invocation(SCHEMA, item)
    assert violation.check == "permissions"
    assert "sagemaker:CreateEndpoint" in violation.detail
    assert "sagemaker:DeleteEndpoint" not in violation.detail


def test_write_only_properties_flagged_in_success_models_even_when_false() -> None:
    model = {"EndpointName": "e", "RetainAllVariantProperties": False}
    assert checks_of(invocation(model=model)) == ["write-only"]
    # IN_PROGRESS models go back to the handler as its desired state: they may hold them.
    assert checks_of(invocation(status="IN_PROGRESS", model={**model, "DeploymentConfig": {}})) == []


def test_in_progress_events_must_carry_the_primary_identifier() -> None:
    assert checks_of(invocation("delete", status="IN_PROGRESS", model=None)) == ["in-progress-identifier"]
    assert checks_of(invocation("delete", status="IN_PROGRESS", model={"Tags": []})) == [
        "in-progress-identifier"
    ]
    assert checks_of(invocation("delete", status="IN_PROGRESS", model={"EndpointName": "e"})) == []


def test_a_logical_id_shared_by_two_operations_is_pinning() -> None:
    first = invocation(operation="op-1", logical_id="A")
    callback = invocation(operation="op-1", logical_id="A", callback=True)
    assert check_logical_ids([first, callback]) == []
    [violation] = check_logical_ids([first, callback, invocation("delete", operation="op-2", logical_id="A")])
    assert violation.check == "fresh-logical-id"


# ---- outcomes and the verdict --------------------------------------------------------------------
def test_pytest_phases_fold_as_pytest_counts_them() -> None:
    ok = outcome_of(None, "setup", "passed", False, "")
    ok = outcome_of(ok, "call", "passed", False, "")
    assert outcome_of(ok, "teardown", "failed", False, "E   boom")["outcome"] == "error"
    assert outcome_of(None, "setup", "failed", False, "E   x") == {
        "outcome": "error",
        "phase": "setup",
        "message": "[setup]\nE   x",
    }
    assert outcome_of(ok, "call", "failed", False, "E   y")["outcome"] == "failed"
    assert outcome_of(None, "setup", "skipped", False, "skip")["outcome"] == "skipped"
    assert outcome_of(None, "call", "skipped", True, "")["outcome"] == "xfailed"


def _result(outcome: str = "passed", collected: int = 15, checks: tuple[str, ...] = ()) -> ProfileResult:
    from sagemaker_rollout_testing.contract.checks import Violation

    names = [f"contract_{i}" for i in range(collected)]
    tests = {name: {"outcome": outcome} for name in names}
    violations = [Violation(c, 1, names[0], "create", "x") for c in checks]
    return ProfileResult("none", 0, {1: {"collected": names, "tests": tests}}, violations)


def test_passing_needs_all_fifteen_passed_and_no_check_failed() -> None:
    assert passed([_result()])
    assert not passed([_result(collected=14)])
    assert not passed([_result(outcome="skipped")])
    assert not passed([_result(checks=("time-budget",))])


def test_expected_results_catch_any_change() -> None:
    baseline = expected_of([_result(outcome="failed", checks=("write-only",))])
    assert compare_expected([_result(outcome="failed", checks=("write-only",))], baseline) == []
    changed = compare_expected([_result(outcome="passed", checks=("write-only",))], baseline)
    assert len(changed) == 15 and "passed (expected failed)" in changed[0]
    assert compare_expected([_result(outcome="failed")], baseline) != []


# ---- the input sets ---------------------------------------------------------------------------------
def _input(number: int, kind: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((INPUTS / f"inputs_{number}_{kind}.json").read_text())
    return document


SETS = sorted({int(p.name.split("_")[1]) for p in INPUTS.glob("inputs_*_create.json")})


def test_three_input_sets_each_with_create_update_invalid() -> None:
    assert SETS == [1, 2, 3]
    for number in SETS:
        for kind in ("create", "update", "invalid"):
            assert (INPUTS / f"inputs_{number}_{kind}.json").is_file()


@pytest.mark.parametrize("number", SETS)
def test_create_and_update_inputs_are_valid_and_keep_the_identifier(number: int) -> None:
    create, update = _input(number, "create"), _input(number, "update")
    for properties in (create, update):
        parse_endpoint_properties(properties, time_limit=REGISTRY_TIME_LIMIT)
        assert properties.get("Tags"), "the taggable contract tests need Tags in create and update"
        assert not set(properties) - set(SCHEMA["properties"])
    # The runner asserts createOnlyProperties unchanged (resource_client.validate_update_example_keys).
    assert create["EndpointName"] == update["EndpointName"]


def test_the_input_sets_cover_what_the_issue_asks() -> None:
    plain_before, plain_after = _input(1, "create"), _input(1, "update")
    before, after = plain_before["ProductionVariants"][0], plain_after["ProductionVariants"][0]
    assert before["ModelName"] != after["ModelName"]
    assert before["InitialInstanceCount"] != after["InitialInstanceCount"]
    assert plain_before["Tags"] != plain_after["Tags"]
    canary = _input(2, "update")["DeploymentConfig"]
    routing = canary["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY" and canary["AutoRollbackConfiguration"]["Alarms"]
    assert all("ServerlessConfig" in v for v in _input(3, "update")["ProductionVariants"])


@pytest.mark.parametrize("number", SETS)
def test_invalid_inputs_are_refused_with_invalid_request_naming_the_property(
    registry: Any, number: int
) -> None:
    operation = registry.create(f"Invalid{number}", _input(number, "invalid"))
    assert (operation.status, operation.error_code) == ("FAILED", "InvalidRequest")
    assert "\n" not in operation.message
    path = operation.message.split(":", 1)[0]
    assert path.split(".")[0].split("[")[0] in SCHEMA["properties"], operation.message


# ---- the endpoint over the simulated account --------------------------------------------------------
def _post(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers=headers or {"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _handler_request(
    action: str, token: str, properties: dict[str, Any], context: Any = None
) -> dict[str, Any]:
    credentials = {"accessKeyId": "testing", "secretAccessKey": "testing", "sessionToken": "testing"}
    return {
        "requestData": {
            "callerCredentials": credentials,
            "resourceProperties": properties,
            "previousResourceProperties": None,
            "logicalResourceId": token,
            "typeConfiguration": {"JournalTableName": "sagemaker-rollout-journal"},
        },
        "region": "us-east-1",
        "awsAccountId": "123456789012",
        "action": action,
        "callbackContext": context,
        "bearerToken": token,
        "resourceType": SCHEMA["typeName"],
    }


@pytest.fixture
def served(tmp_path: Path) -> Any:
    from sagemaker_rollout_testing.contract.endpoint import ContractEndpoint
    from sagemaker_rollout_testing.contract.world import ContractWorld

    with ContractWorld(REGISTRY, bystanders=0) as world, ContractEndpoint(world) as endpoint:
        yield world, endpoint.url


def test_the_endpoint_speaks_lambda_invoke_and_callbacks_move_the_simulated_clock(served: Any) -> None:
    world, url = served
    invoke = f"{url}/2015-03-31/functions/TypeFunction/invocations"
    status, headers, body = _post(f"{url}/2015-03-31/functions/NoSuchFunction/invocations", {})
    assert status == 404 and headers.get("x-amzn-ErrorType") == "ResourceNotFoundException"

    properties = _input(1, "create")
    status, headers, body = _post(invoke, _handler_request("READ", "read-1", properties))
    assert status == 200 and json.loads(body)["errorCode"] == "NotFound"

    first = json.loads(_post(invoke, _handler_request("CREATE", "create-1", properties))[2])
    assert first["status"] == "IN_PROGRESS" and first["callbackDelaySeconds"] > 0
    again = _handler_request("CREATE", "create-1", first["resourceModel"], first["callbackContext"])
    json.loads(_post(invoke, again)[2])
    opening, callback = world.invocations[1], world.invocations[2]
    waited = callback.started - (opening.started + opening.elapsed)
    assert waited == pytest.approx(first["callbackDelaySeconds"])
    assert (opening.callback, callback.callback) == (False, True)
    assert all(call.startswith(("sagemaker:", "dynamodb:")) for call in opening.calls)


def test_sts_is_answered_by_moto_through_the_endpoint(served: Any) -> None:
    _, url = served
    # The runner's GetCallerIdentity (rpdk/core/boto_helpers.py, get_account): moto's server app picks
    # the service from the signature's credential scope (moto does not check signatures).
    scope = "Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0"
    request = urllib.request.Request(
        url + "/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"AWS4-HMAC-SHA256 {scope}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert b"<Account>123456789012</Account>" in response.read()
