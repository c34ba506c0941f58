"""The registry type's contract points (issue 20, causes 2-5, 7 and 8), each as CloudFormation sees it.

Write-only properties never come back in a SUCCESS model; every IN_PROGRESS event holds the primary
identifier; what an update applies reads back (the retain rule); every invocation returns within
its budget, throttled or not, and the search for other users of a config resumes across
invocations; list pages without a call per endpoint and follows ``nextToken``; an ``EndpointName``
change is NotUpdatable; a callback context belongs to its own request; stack-level tags are merged,
and over SageMaker's limit refused in one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from registry_kit import ROLE, props

from sagemaker_rollout.registry_type.live import WRITE_ONLY
from sagemaker_rollout.spec.smoke import CONSENT_TAG
from sagemaker_rollout_testing.faults import FaultInjector
from sagemaker_rollout_testing.functions import LocalFunctions

CANARY = {"wait": 300, "kind": "CANARY"}
BUDGET = {"create": 40.0, "update": 40.0, "delete": 40.0, "read": 20.0, "list": 20.0}
"""What the contract harness allows an invocation (simulated seconds; the contract: 60 s and 30 s)."""


def tags_of(sm: Any, name: str) -> dict[str, str]:
    arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def bystanders(sm: Any, count: int, config: str | None = None) -> list[str]:
    """``count`` endpoints the type does not manage (on ``config``, or one of their own)."""
    if config is None:
        config = "bystander-config"
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "model-a-v1",
                    "InstanceType": "ml.t2.medium",
                    "InitialInstanceCount": 1,
                }
            ],
        )
    names = [f"bystander-{index:03d}" for index in range(count)]
    for name in names:
        sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return names


@pytest.fixture
def throttled(session: Any, clock: Any) -> Iterator[None]:
    """Every 4th AWS call (retries aside) is answered ThrottlingException three times in a row, and
    every attempt costs 0.1 s: the contract harness's ``throttle`` profile."""
    state = {"count": 0, "burst": 0}

    def before(model: Any, **_: Any) -> None:
        clock.advance(0.1)
        if state["burst"]:
            state["burst"] -= 1
            return
        state["count"] += 1
        if state["count"] % 4 == 0:
            state["burst"] = 2
            faults.error(
                model.service_model.service_name, model.name, "ThrottlingException", "Rate exceeded", times=3
            )

    session.events.register("before-call", before, unique_id="test-throttle")
    with FaultInjector(session, clock) as faults:
        yield
    session.events.unregister("before-call", unique_id="test-throttle")


# ---------------------------------------------------------------------------- cause 2 and cause 3 --
def test_success_models_hold_no_write_only_property(registry: Any) -> None:
    """GIVEN create and update requests with DeploymentConfig and the provider's switches
    THEN neither SUCCESS model holds any of the schema's writeOnlyProperties (create and update
    return the desired model minus them, plus the read-only attributes)."""
    desired = props(**CANARY, RetainAllVariantProperties=True, AllowUnguardedRollout=False)
    created = registry.create("Classifier", desired)
    updated = registry.update(
        "Classifier", props("model-a-v2", **CANARY, AllowIrreversibleChanges=False), desired
    )

    for operation in (created, updated):
        assert operation.ok, operation.message
        assert operation.model is not None
        assert sorted(set(operation.model) & set(WRITE_ONLY)) == []
        assert operation.model["EndpointConfigName"] and operation.model["EndpointArn"]


def test_every_in_progress_event_holds_the_primary_identifier_delete_included(registry: Any) -> None:
    """GIVEN a create, an update and a delete that each need callbacks
    THEN every IN_PROGRESS event carries a model with EndpointName (the contract runner checks it and
    sends the model back), and delete's SUCCESS carries no model."""
    created = registry.create("Classifier", props(**CANARY))
    updated = registry.update("Classifier", props("model-a-v2", **CANARY), props(**CANARY))
    deleted = registry.delete("Classifier", updated.model)

    for operation in (created, updated, deleted):
        assert operation.ok, operation.message
        waits = [e for e in operation.events if e["status"] == "IN_PROGRESS"]
        assert waits, "no callback: the test needs one"
        assert all((e.get("resourceModel") or {}).get("EndpointName") == "classifier" for e in waits)
    assert "resourceModel" not in deleted.events[-1]


# ------------------------------------------------------------------------------------------ cause 4 --
def two_variants(model: str = "model-a-v1", fixed_count: int = 1) -> dict[str, Any]:
    """Variant ``auto`` (2 instances, autoscaled once the test registers it) and ``fixed`` (no
    DeploymentConfig: a canary of one instance needs one variant)."""
    base = props(**CANARY)
    del base["DeploymentConfig"]
    base["ProductionVariants"] = [
        {
            "VariantName": "auto",
            "ModelName": model,
            "InstanceType": "ml.c5.xlarge",
            "InitialInstanceCount": 2,
            "InitialVariantWeight": 1.0,
        },
        {
            "VariantName": "fixed",
            "ModelName": "model-a-v1",
            "InstanceType": "ml.c5.xlarge",
            "InitialInstanceCount": fixed_count,
            "InitialVariantWeight": 1.0,
        },
    ]
    return base


def test_read_after_an_update_reports_what_the_retain_rule_applied(
    registry: Any, session: Any, sim: Any
) -> None:
    """GIVEN an endpoint mixing an autoscaled variant (scaled from 2 to 4) and a fixed one
    WHEN an update changes the autoscaled variant's model and the fixed variant's count 1 -> 2
    (RetainAllVariantProperties left at its default, true)
    THEN the fixed variant runs 2 (the template's value: SageMaker's all-or-nothing retention would
    have kept 1), the autoscaled one keeps its 4 (written into the new config), and read reports
    the fixed variant's 2 and the autoscaled variant's template count 2 (autoscaling's 4 lies within
    its range: not drift), so the update reads back and the stack shows no drift."""
    sm = session.client("sagemaker")
    assert registry.create("Classifier", two_variants()).ok
    session.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/classifier/variant/auto",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=6,
    )
    sim.set_variant_capacity("classifier", "auto", 4)

    updated = registry.update("Classifier", two_variants("model-a-v2", fixed_count=2), two_variants())

    assert updated.ok, updated.message
    live = {
        v["VariantName"]: v["CurrentInstanceCount"]
        for v in sm.describe_endpoint(EndpointName="classifier")["ProductionVariants"]
    }
    assert live == {"auto": 4, "fixed": 2}
    config = sm.describe_endpoint_config(EndpointConfigName=updated.model["EndpointConfigName"])
    assert {v["VariantName"]: v["InitialInstanceCount"] for v in config["ProductionVariants"]} == {
        "auto": 4,
        "fixed": 2,
    }
    read = registry.read({"EndpointName": "classifier"})
    counts = {
        v["VariantName"]: v["InitialInstanceCount"] for v in read["resourceModel"]["ProductionVariants"]
    }
    assert counts == {"auto": 2, "fixed": 2}


# ------------------------------------------------------------------------------------------ cause 5 --
def test_every_invocation_returns_within_its_budget_under_throttling(registry: Any, throttled: None) -> None:
    """GIVEN every 4th AWS call throttled three times in a row (1 + 2 + 4 s of backoff each time)
    WHEN a create, an update, a read, a list and a delete run
    THEN they all succeed, and no invocation took more than 40 s (create, update, delete) or 20 s
    (read, list) of simulated time: retries are bounded by the time left, the rest is IN_PROGRESS."""
    created = registry.create("Classifier", props(**CANARY))
    updated = registry.update("Classifier", props("model-a-v2", **CANARY), props(**CANARY))
    for handler, call in (
        ("read", lambda: registry.read({"EndpointName": "classifier"})),
        ("list", registry.list_models),
    ):
        started = registry.clock.now()
        assert call()
        registry.invocations.append((handler, registry.clock.now() - started))
    deleted = registry.delete("Classifier", updated.model)

    assert created.ok and updated.ok and deleted.ok, (created.message, updated.message, deleted.message)
    over = [
        (handler, round(seconds, 1)) for handler, seconds in registry.invocations if seconds > BUDGET[handler]
    ]
    assert over == []
    assert max(seconds for _handler, seconds in registry.invocations) > 7  # the throttling did cost time


def test_the_search_for_other_users_of_a_config_resumes_across_invocations(
    registry: Any, session: Any, clock: Any
) -> None:
    """GIVEN 120 endpoints of someone else modified after the type's config was created (so any of
    them could use it; one does), every AWS call costing 0.3 s
    WHEN an update replaces the config and deletes the old one
    THEN the search for the old config's users spans several invocations, each within 40 s,
    describing every endpoint about once (its progress is journaled), and keeps the config in use."""
    sm = session.client("sagemaker")
    described: dict[str, int] = {}
    on = [False]

    def slow(**_: Any) -> None:
        if on[0]:
            clock.advance(0.3)

    def count(params: Any, **_: Any) -> None:
        if on[0]:
            described[params["EndpointName"]] = described.get(params["EndpointName"], 0) + 1

    # Before the handlers build their clients (a client keeps the hooks its session had then).
    session.events.register("before-call", slow, unique_id="test-slow")
    session.events.register("provide-client-params.sagemaker.DescribeEndpoint", count, unique_id="test-count")
    created = registry.create("Classifier", props(**CANARY))
    old = created.model["EndpointConfigName"]
    names = bystanders(sm, 119)
    sm.create_endpoint(EndpointName="uses-it", EndpointConfigName=old)
    registry.invocations.clear()
    on[0] = True
    updated = registry.update("Classifier", props("model-a-v2", **CANARY), props(**CANARY))
    on[0] = False

    assert updated.ok, updated.message
    assert len(registry.invocations) > 3
    assert max(seconds for _handler, seconds in registry.invocations) <= BUDGET["update"]
    assert set(names) | {"uses-it"} <= set(described)
    assert max(described[name] for name in names) <= 2
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]}
    assert old in configs  # "uses-it" runs it


def test_list_pages_without_a_call_per_endpoint_and_follows_next_token(registry: Any, session: Any) -> None:
    """GIVEN 130 endpoints the type does not manage and one it does (two ListEndpoints pages)
    WHEN CloudFormation lists the type's resources
    THEN the list handler follows nextToken (taken from the event: the library drops it) to the end,
    finds only the type's endpoint, and makes two calls a page: ListEndpoints and one BatchGetItem."""
    sm = session.client("sagemaker")
    bystanders(sm, 130)
    assert registry.create("Classifier", props(**CANARY)).ok

    with registry.recording() as calls:
        models = registry.list_models()

    assert models == [{"EndpointName": "classifier"}]
    actions = [c.action for c in calls]
    assert actions.count("sagemaker:ListEndpoints") == 2
    assert sorted(set(actions)) == ["dynamodb:BatchGetItem", "sagemaker:ListEndpoints"]


# ------------------------------------------------------------------------------------------ cause 7 --
def test_an_endpoint_name_change_is_not_updatable(registry: Any, sim: Any) -> None:
    created = registry.create("Classifier", props(**CANARY))
    renamed = {**props("model-a-v2", **CANARY), "EndpointName": "classifier-2"}
    updates = sim.calls["UpdateEndpoint"]

    result = registry.update("Classifier", renamed, created.model)

    assert (result.status, result.error_code) == ("FAILED", "NotUpdatable")
    assert result.message.startswith("EndpointName: ") and "\n" not in result.message
    assert sim.calls["UpdateEndpoint"] == updates


def test_another_requests_callback_context_is_refused(registry: Any, session: Any) -> None:
    """GIVEN a create of classifier waiting on a callback
    WHEN a create of another endpoint arrives carrying classifier's callback context
    THEN it fails InvalidRequest naming callbackContext and creates nothing; classifier's own
    operation carries on to SUCCESS with its context."""
    sm = session.client("sagemaker")
    token = str(uuid.uuid4())
    first = registry.invoke(registry.request("CREATE", token=token, logical_id="A", desired=props(**CANARY)))
    assert first is not None and first["status"] == "IN_PROGRESS"
    other = {**props(**CANARY), "EndpointName": "other"}

    stolen = registry.invoke(
        registry.request(
            "CREATE",
            token=str(uuid.uuid4()),
            logical_id="B",
            desired=other,
            callback_context=first["callbackContext"],
        )
    )

    assert stolen is not None and (stolen["status"], stolen["errorCode"]) == ("FAILED", "InvalidRequest")
    assert stolen["message"].startswith("callbackContext: ")
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["classifier"]
    context = first["callbackContext"]
    for _ in range(50):
        registry.clock.advance(60)
        result = registry.invoke(
            registry.request(
                "CREATE", token=token, logical_id="A", desired=props(**CANARY), callback_context=context
            )
        )
        assert result is not None
        if result["status"] != "IN_PROGRESS":
            break
        context = result["callbackContext"]
    assert result["status"] == "SUCCESS", result


def test_stack_tags_are_merged_into_the_endpoints_tags_without_aws_keys(registry: Any, session: Any) -> None:
    """GIVEN stack-level tags (one reserved aws: key among them) beside the resource's Tags
    THEN create tags the endpoint with both (Tags win a shared key), never the aws: key, and an
    update whose stack no longer has a tag removes it."""
    sm = session.client("sagemaker")
    desired = props(**CANARY, Tags=[{"Key": "team", "Value": "ml"}])
    stack = {"cost-center": "42", "team": "stack-value", "aws:cloudformation:stack-name": "s"}

    created = registry.operation("CREATE", "Classifier", desired, stack_tags=stack)
    assert created.ok, created.message
    user = {k: v for k, v in tags_of(sm, "classifier").items() if not k.startswith("sagemaker-rollout:")}
    assert user == {"team": "ml", "cost-center": "42"}

    updated = registry.operation(
        "UPDATE", "Classifier", desired, desired, stack_tags={"env": "prod"}, previous_stack_tags=stack
    )
    assert updated.ok, updated.message
    user = {k: v for k, v in tags_of(sm, "classifier").items() if not k.startswith("sagemaker-rollout:")}
    assert user == {"team": "ml", "env": "prod"}


def test_stack_tags_over_sagemakers_limit_fail_in_one_line_naming_the_count(registry: Any, sim: Any) -> None:
    tags = [{"Key": f"k{i:02d}", "Value": "v"} for i in range(40)]
    stack = {f"s{i}": "v" for i in range(8)}
    mutations = sim.calls["CreateEndpointConfig"] + sim.calls["CreateEndpoint"]

    result = registry.operation("CREATE", "Classifier", props(**CANARY, Tags=tags), stack_tags=stack)

    assert (result.status, result.error_code) == ("FAILED", "InvalidRequest")
    assert result.message.startswith("Tags: 48 tags (40 of Tags and 8 stack-level) are too many")
    assert "at most 46" in result.message and "\n" not in result.message
    assert sim.calls["CreateEndpointConfig"] + sim.calls["CreateEndpoint"] == mutations
    assert ROLE  # the properties' execution role, passable by the registry role's pattern


# ---- SmokeTest through the registry type (issue 24, contract section 9) ---------------------------
SMOKE = {"Invoke": {"Body": '{"instances": [[1, 2]]}', "ContentType": "application/json"}, "Count": 2}


def test_a_smoke_test_passes_through_the_registry_type(registry: Any, sim: Any) -> None:
    # GIVEN an endpoint of the type with an InvokeEndpoint smoke test
    created = registry.create("Classifier", props(SmokeTest=SMOKE, **CANARY))
    assert created.status == "SUCCESS", created.message
    # WHEN a new model rolls out
    result = registry.update("Classifier", props("model-a-v2", SmokeTest=SMOKE, **CANARY), created.model)
    # THEN it succeeds after calls answered by the new model, and SmokeTest is write-only (not read back)
    assert result.status == "SUCCESS", result.message
    assert any(model == "model-a-v2" for _, _, model, _ in sim.models.calls)
    assert "SmokeTest" not in result.model


def test_a_failing_smoke_test_through_the_registry_type_fails_not_stabilized_on_the_old_config(
    registry: Any, sim: Any
) -> None:
    # GIVEN an endpoint of the type with a smoke test, and a new model that answers 500
    created = registry.create("Classifier", props(SmokeTest=SMOKE, **CANARY))
    old_config = created.model["EndpointConfigName"]
    sim.models.set("model-a-v2", status=500)
    # WHEN it rolls out
    result = registry.update("Classifier", props("model-a-v2", SmokeTest=SMOKE, **CANARY), created.model)
    # THEN the handler fails with NotStabilized naming the smoke test, the endpoint on its old config
    assert (result.status, result.error_code) == ("FAILED", "NotStabilized"), result.message
    assert result.message.startswith("smoke test failed in final bake: call 1: model answered 500"), (
        result.message
    )
    assert sim.endpoint_config_name("classifier") == old_config


@pytest.fixture
def functions(session: Any) -> Iterator[LocalFunctions]:
    local = LocalFunctions(session).install()
    yield local
    local.uninstall()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "allowed names: none"),  # the type configuration's default
        ({"SmokeTestFunctionNamePattern": "nightly-*"}, "allowed names: nightly-*"),
    ],
    ids=["no-pattern", "other-pattern"],
)
def test_a_smoke_function_outside_the_type_configuration_is_refused(
    registry: Any, sim: Any, functions: LocalFunctions, settings: dict[str, str], expected: str
) -> None:
    # GIVEN a consenting function, and a type configuration whose pattern does not name it
    function = functions.add("smoke-check", lambda event: {"Passed": True}, tags={CONSENT_TAG: "true"})
    registry.type_settings.update(settings)
    # WHEN a resource names it THEN it is refused before anything exists, naming the property and
    # where the allowed names are set; the function is never invoked
    result = registry.create("Classifier", props(SmokeTest={"FunctionArn": function}, **CANARY))
    assert (result.status, result.error_code) == ("FAILED", "InvalidRequest"), result.message
    assert result.message.startswith("SmokeTest.FunctionArn: "), result.message
    assert expected in result.message and "type configuration" in result.message, result.message
    assert sim.calls["CreateEndpoint"] == 0
    assert functions.invocations == []


def test_a_smoke_function_without_consent_is_refused_by_the_registry_type(
    registry: Any, sim: Any, functions: LocalFunctions
) -> None:
    # GIVEN a type configuration naming the function, but a function without the consent tag
    registry.type_settings["SmokeTestFunctionNamePattern"] = "smoke-*"
    function = functions.add("smoke-check", lambda event: {"Passed": True})
    # WHEN a resource names it THEN it is refused before anything exists
    result = registry.create("Classifier", props(SmokeTest={"FunctionArn": function}, **CANARY))
    assert (result.status, result.error_code) == ("FAILED", "InvalidRequest"), result.message
    assert f"does not carry the tag {CONSENT_TAG}=true" in result.message, result.message
    assert sim.calls["CreateEndpoint"] == 0
    assert functions.invocations == []


def test_a_smoke_function_decides_a_rollout_of_the_registry_type(
    registry: Any, sim: Any, session: Any, functions: LocalFunctions
) -> None:
    # GIVEN a type configuration naming consenting functions, and one that fails any config running
    # model-a-v2 (it reads the config the provider names in its payload)
    registry.type_settings["SmokeTestFunctionNamePattern"] = "smoke-*"
    sm = session.client("sagemaker")

    def check(event: dict[str, Any]) -> dict[str, Any]:
        variants = sm.describe_endpoint_config(EndpointConfigName=event["EndpointConfigName"])
        return {"Passed": variants["ProductionVariants"][0]["ModelName"] != "model-a-v2", "Reason": "f1 0.2"}

    function = functions.add("smoke-check", check, tags={CONSENT_TAG: "true"})
    test = {"FunctionArn": function, "Count": 1}
    created = registry.create("Classifier", props(SmokeTest=test, **CANARY))
    assert created.status == "SUCCESS", created.message
    old_config = created.model["EndpointConfigName"]
    passed = len(functions.invocations)
    assert passed >= 1  # the create's run after completion passed
    # WHEN a new model rolls out
    result = registry.update("Classifier", props("model-a-v2", SmokeTest=test, **CANARY), created.model)
    # THEN the function's verdict fails it, the endpoint runs its old config, and the payloads carried
    # no token, URL or credentials
    assert (result.status, result.error_code) == ("FAILED", "NotStabilized"), result.message
    assert "f1 0.2" in result.message, result.message
    assert sim.endpoint_config_name("classifier") == old_config
    assert len(functions.invocations) > passed
    for _, payload in functions.invocations:
        text = str(payload).lower()
        assert "token" not in text and "https://" not in text and "secret" not in text


def test_a_smoke_call_is_bounded_by_what_an_invocation_of_the_type_has_left(registry: Any, sim: Any) -> None:
    # GIVEN a new model answering after 45 s: within SageMaker's 60 s, but longer than a registry
    # handler invocation leaves a step's calls
    created = registry.create("Classifier", props(SmokeTest=SMOKE, **CANARY))
    old_config = created.model["EndpointConfigName"]
    sim.models.set("model-a-v2", latency=45.0)
    # WHEN it rolls out
    result = registry.update("Classifier", props("model-a-v2", SmokeTest=SMOKE, **CANARY), created.model)
    # THEN the call counts as unanswered at the invocation's bound (a failure: no answer in time) and
    # the brake sends the deployment back. (The simulated model still takes its 45 s of simulated time:
    # the client's read timeout is a socket timeout the simulated clock does not see, so the
    # invocation's length is not what this test checks.)
    assert (result.status, result.error_code) == ("FAILED", "NotStabilized"), result.message
    assert "no answer within" in result.message, result.message
    assert sim.endpoint_config_name("classifier") == old_config
