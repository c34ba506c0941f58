"""Random Create / Update / Delete sequences with faults at random points, invariants after each.

A hypothesis ``RuleBasedStateMachine`` over the real handler, the CloudFormation driver, moto and
the SageMaker simulator. Faults: the invocation killed right after any AWS call took effect,
throttling and 5xx bursts, AccessDenied, duplicate deliveries, alarms during the bake, silent
rollbacks, UpdateRollbackFailed, out-of-band deletion; CloudFormation's rollback Update after
every FAILED update. ``make test`` runs a fixed number of sequences on fixed seeds; ``make soak``
(``SOAK_SEQUENCES``, random seeds) many more, writing its figures to ``benchmarks/soak.md``.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "functional"))

from world import ALARM, World  # noqa: E402

SEQUENCES = int(os.environ.get("SOAK_SEQUENCES", "50"))
STEPS = int(os.environ.get("SOAK_STEPS", "3"))
FIGURES: Counter[str] = Counter()

MODELS = ("model-a-v1", "model-a-v2", "model-a-v3")
TYPES = ("ml.c5.xlarge", "ml.c5.2xlarge")
KILL_POINTS = (
    ("sagemaker", "CreateEndpointConfig"),
    ("sagemaker", "CreateEndpoint"),
    ("sagemaker", "UpdateEndpoint"),
    ("sagemaker", "DeleteEndpointConfig"),
    ("sagemaker", "DeleteEndpoint"),
    ("application-autoscaling", "DeregisterScalableTarget"),
    ("application-autoscaling", "RegisterScalableTarget"),
    ("application-autoscaling", "PutScalingPolicy"),
    ("dynamodb", "UpdateItem"),
)
FAULTS = st.one_of(
    st.just(("none",)),
    st.tuples(st.just("kill"), st.sampled_from(KILL_POINTS), st.integers(0, 2)),
    st.tuples(
        st.just("outage"),
        st.sampled_from(("DescribeEndpoint", "UpdateEndpoint", "ListTags")),
        st.integers(10, 90),
    ),
    st.tuples(
        st.just("throttle"),
        st.sampled_from(("DescribeEndpoint", "UpdateEndpoint", "CreateEndpointConfig")),
        st.integers(1, 12),
    ),
    st.just(("alarm",)),
    st.just(("silent-rollback",)),
    st.just(("rollback-failed",)),
    st.just(("duplicate",)),
    st.tuples(st.just("denied"), st.sampled_from(("DescribeEndpoint", "UpdateEndpoint", "ListTags"))),
    st.just(("oob-delete",)),
)


class RolloutMachine(RuleBasedStateMachine):
    """One simulated account, one stack resource, random requests and faults."""

    def __init__(self) -> None:
        super().__init__()
        import boto3
        from moto import mock_aws
        from sagemaker_rollout import provider
        from sagemaker_rollout.clock import SimulatedClock
        from sagemaker_rollout.simulator import SageMakerSimulator
        from sagemaker_rollout.testing import CloudFormationDriver, FaultInjector

        self._mock = mock_aws()
        self._mock.start()
        self.clock = SimulatedClock()
        self.session = boto3.Session(region_name="us-east-1")
        self.sim = SageMakerSimulator(clock=self.clock, region="us-east-1", account_id="123456789012")
        self.sim.__enter__()
        self.faults = FaultInjector(self.session, self.clock).__enter__()
        self.driver = CloudFormationDriver.from_template(
            ROOT,
            "EndpointProviderFunction",
            clock=self.clock,
            session=self.session,
            configure=provider.configure,
            region="us-east-1",
            account_id="123456789012",
        ).__enter__()
        self.world = World(self.driver, self.sim, self.session, self.clock, self.faults)
        self._foreign()
        self.physical: str | None = None
        self.props: dict[str, Any] | None = None
        self.autoscaled = False
        FIGURES["sequences"] += 1

    def _foreign(self) -> None:
        """An endpoint someone else owns, whose config the provider must never touch."""
        sm = self.world.sm
        sm.create_endpoint_config(
            EndpointConfigName="foreign-config",
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "model-b-v1",
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 1,
                }
            ],
        )
        sm.create_endpoint(EndpointName="foreign", EndpointConfigName="foreign-config")

    def teardown(self) -> None:
        from sagemaker_rollout import provider

        self.driver.__exit__(None, None, None)
        self.faults.__exit__(None, None, None)
        self.sim.__exit__(None, None, None)
        self._mock.stop()
        provider.configure(None)

    # ---- faults ----------------------------------------------------------------------------------
    def _arm(self, fault: tuple[Any, ...]) -> int:
        kind = fault[0]
        deliveries = 1
        FIGURES[f"fault:{kind}"] += 1
        if kind == "kill":
            (service, operation), skip = fault[1], fault[2]
            self.faults.kill_after(service, operation, skip=skip)
        elif kind == "outage":
            self.faults.outage("sagemaker", fault[1], fault[2])
        elif kind == "throttle":
            self.sim.throttle(fault[1], fault[2])
        elif kind == "alarm":
            self.world.alarm_at(400)
        elif kind == "silent-rollback":
            self.sim.fail_next_update(
                "classifier", "The primary container did not pass the ping health check."
            )
        elif kind == "rollback-failed":
            self.sim.fail_next_rollback("classifier", "Rollback failed: capacity")
            self.world.alarm_at(400)
        elif kind == "duplicate":
            deliveries = 2
        elif kind == "denied":
            self.faults.error("sagemaker", fault[1], "AccessDeniedException", "injected denial")
        elif kind == "oob-delete" and self.sim.endpoint_status("classifier") == "InService":
            self.sim.delete_out_of_band("classifier")
            self.autoscaled = False  # its scalable targets went with it
        return deliveries

    def _quiet(self) -> None:
        self.faults.clear()
        self.world.cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="reset")

    # ---- requests --------------------------------------------------------------------------------
    def _send(
        self, kind: str, props: dict[str, Any], old: dict[str, Any] | None, fault: tuple[Any, ...]
    ) -> Any:
        deliveries = self._arm(fault)
        if kind == "Create":
            event = self.driver.event("Create", props, logical_id="Classifier")
        elif kind == "Update":
            event = self.driver.event(
                "Update",
                props,
                logical_id="Classifier",
                physical_resource_id=self.physical,
                old_properties=old,
            )
        else:
            event = self.driver.event(
                "Delete", props, logical_id="Classifier", physical_resource_id=self.physical
            )
        responses = self.driver.send(event, deliveries)
        response = responses if deliveries == 1 else responses[0]
        self._quiet()
        FIGURES["requests"] += 1
        self._check_answer(response, event)
        self._late_continuations(response, event)
        return response

    def _late_continuations(self, response: Any, event: dict[str, Any]) -> None:
        """Every continuation of the request, delivered again after the answer: a no-op."""
        from sagemaker_rollout.testing import FakeLambdaContext

        before = (self.sim.endpoint_config_name("classifier"), self.world.scaling(), self.world.configs())
        answers = len(self.driver.responses_for(event["RequestId"]))
        for record in response.records:
            for payload in record.handoffs:
                context = FakeLambdaContext(self.clock, invoked_function_arn=self.driver.function_arn)
                self.driver.handler(json.loads(json.dumps(payload)), context)
                FIGURES["late-continuations"] += 1
        after = (self.sim.endpoint_config_name("classifier"), self.world.scaling(), self.world.configs())
        assert after == before, "a late continuation changed something"
        assert len(self.driver.responses_for(event["RequestId"])) == answers, "a late continuation answered"

    def _check_answer(self, response: Any, event: dict[str, Any]) -> None:
        # exactly one answer (duplicates identical), before the deadline, within limits, naming the cause
        assert response.answered, f"no answer: {response.reason}"
        bodies = {
            json.dumps({k: v for k, v in b.body.items()}, sort_keys=True)
            for b in self.driver.responses_for(event["RequestId"])
        }
        assert len(bodies) == 1, f"different answers for one request: {bodies}"
        assert response.elapsed <= response.service_timeout, response.elapsed
        assert response.body_size < 4096
        assert len(response.reason) <= 256 and "\n" not in response.reason
        if response.status == "FAILED":
            assert response.reason and not response.reason.startswith(("_", "Traceback"))
            FIGURES["failed"] += 1

    @initialize(fault=FAULTS)
    def first_create(self, fault: tuple[Any, ...]) -> None:
        self.create(fault)

    @precondition(lambda self: self.physical is None)
    @rule(fault=FAULTS)
    def create(self, fault: tuple[Any, ...]) -> None:
        props = self.world.props()
        response = self._send("Create", props, None, fault)
        if response.status == "SUCCESS":
            self.physical, self.props = response.physical_resource_id, props
        else:
            # CloudFormation's rollback Delete
            self.physical = response.physical_resource_id
            delete = self._send("Delete", props, None, ("none",))
            assert delete.status == "SUCCESS", delete.reason
            self.physical = None

    @precondition(lambda self: self.physical is not None and not self.autoscaled)
    @rule()
    def autoscale(self) -> None:
        if self.sim.endpoint_status("classifier") == "InService":
            self.world.autoscale()
            self.autoscaled = True

    @precondition(lambda self: self.physical is not None)
    @rule(
        model=st.sampled_from(MODELS),
        instance_type=st.sampled_from(TYPES),
        fault=FAULTS,
        wait=st.sampled_from((120, 300, 900)),
    )
    def update(self, model: str, instance_type: str, fault: tuple[Any, ...], wait: int) -> None:
        assert self.props is not None
        old = self.props
        new = self.world.props(model, instance_type, wait=wait)
        scaling_before = self.world.scaling()
        old_config = self.sim.endpoint_config_name("classifier")
        response = self._send("Update", new, old, fault)
        # no Update deletes its endpoint
        assert self.sim.endpoint_status("classifier") is not None
        self.clock.advance(1)
        if response.status == "SUCCESS":
            self.props = new
            assert self.world.endpoint()["EndpointConfigName"] == response.data["EndpointConfigName"]
        else:
            status = self.sim.endpoint_status("classifier")
            if status == "InService" and self.world.endpoint()["EndpointConfigName"] == old_config:
                FIGURES["failed-old-config-serving"] += 1
            # CloudFormation's rollback Update: back to the old properties, which serve again
            self._settle()
            rollback = self._send("Update", old, new, ("none",))
            assert rollback.status == "SUCCESS", rollback.reason
            running = self.world.sm.describe_endpoint_config(
                EndpointConfigName=self.world.endpoint()["EndpointConfigName"]
            )
            assert running["ProductionVariants"][0]["ModelName"] == old["ProductionVariants"][0]["ModelName"]
        self._settle()
        if self.autoscaled:
            assert self.world.scaling() == scaling_before, "autoscaling changed"

    @precondition(lambda self: self.physical is not None)
    @rule(fault=FAULTS)
    def delete(self, fault: tuple[Any, ...]) -> None:
        assert self.props is not None
        response = self._send("Delete", self.props, None, fault)
        if response.status != "SUCCESS":
            self._settle()
            response = self._send("Delete", self.props, None, ("none",))
        assert response.status == "SUCCESS", response.reason
        assert self.sim.endpoint_status("classifier") is None
        self.physical, self.props, self.autoscaled = None, None, False

    def _settle(self) -> None:
        for _ in range(100):
            status = self.sim.endpoint_status("classifier")
            if status in (None, "InService", "Failed", "UpdateRollbackFailed"):
                return
            self.clock.advance(60)

    # ---- invariants -----------------------------------------------------------------------------
    @invariant()
    def no_config_in_use_deleted(self) -> None:
        assert self.sim.deleted_configs_in_use == []

    @invariant()
    def nothing_foreign_touched(self) -> None:
        assert self.sim.endpoint_config_name("foreign") == "foreign-config"
        assert "foreign-config" in self.world.configs()

    @invariant()
    def no_unused_config_left(self) -> None:
        status = self.sim.endpoint_status("classifier")
        if status in ("InService", None):
            running = {self.world.endpoint()["EndpointConfigName"]} if status else set()
            ours = set(self.world.configs()) - {"foreign-config"}
            assert ours == running, (ours, running)

    @invariant()
    def journal_holds_no_suspension(self) -> None:
        item = self.world.journal().endpoint("classifier")
        assert not item.get("suspended_by"), item


RolloutMachine.TestCase.settings = settings(
    max_examples=SEQUENCES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=os.environ.get("SOAK_RANDOM") != "1",
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.mark.stateful
class TestRolloutMachine(RolloutMachine.TestCase):  # type: ignore[name-defined,misc]
    """The state machine as a pytest test (fixed seeds unless ``SOAK_RANDOM=1``)."""


@pytest.fixture(scope="module", autouse=True)
def _figures(request: Any) -> Any:
    """Write the run's figures (sequences, requests, faults, violations) where ``SOAK_RESULTS`` says."""
    yield
    FIGURES["violations"] = request.session.testsfailed
    target = os.environ.get("SOAK_RESULTS")
    if not target:
        return
    faults = sum(v for k, v in FIGURES.items() if k.startswith("fault:") and k != "fault:none")
    lines = [
        "# Soak results (tests/stateful, `make soak`)",
        "",
        f"- seed: {os.environ.get('SOAK_SEED', 'fixed (derandomized)')}",
        f"- sequences: {FIGURES['sequences']} (hypothesis runs; `SOAK_SEQUENCES={SEQUENCES}`)",
        f"- requests: {FIGURES['requests']}",
        f"- faults injected: {faults}",
        f"- failed answers (expected under faults): {FIGURES['failed']}",
        f"- late continuations re-delivered: {FIGURES['late-continuations']}",
        f"- violations: {FIGURES['violations']}",
        "",
        "| fault | requests it was armed for |",
        "|---|---|",
        *(f"| {k.split(':', 1)[1]} | {v} |" for k, v in sorted(FIGURES.items()) if k.startswith("fault:")),
    ]
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
