"""The test kit's Fleet (many requests at once on a cooperative clock, ``benchmarks/bench_scale.py``)
plays CloudFormation's side of the provider's confirmation (issue 21) as the driver does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
JOURNAL = "sagemaker-rollout-journal"
WAKEUPS = "https://sqs.us-east-1.amazonaws.com/123456789012/RolloutWakeUpQueue"


def _props(name: str, model: str) -> dict[str, Any]:
    return {
        "EndpointName": name,
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": model,
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    }


def test_fleet_requests_are_confirmed_by_cloudformation_and_answered(
    session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN two endpoints created then updated at once through a Fleet (events and wake-ups on)
    WHEN the provider confirms each request with CloudFormation THEN the stack's model knows the
    resources (not "CloudFormation knows no resource": the request would be dropped, unanswered),
    every request is answered SUCCESS and the resources end UPDATE_COMPLETE."""
    from sagemaker_rollout import custom_resource as provider
    from sagemaker_rollout.journal import table_definition
    from sagemaker_rollout_testing.cooperative import CooperativeClock
    from sagemaker_rollout_testing.fleet import Fleet
    from sagemaker_rollout_testing.simulator import SageMakerSimulator
    from sagemaker_rollout_testing.simulator.eventbridge import Delivery
    from sagemaker_rollout_testing.template import load_function_spec, load_handler

    monkeypatch.setenv("JOURNAL_TABLE_NAME", JOURNAL)
    monkeypatch.setenv("SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL", WAKEUPS)
    clock = CooperativeClock()
    with SageMakerSimulator(clock=clock, region="us-east-1", account_id="123456789012") as sim:
        session.client("dynamodb").create_table(**table_definition(JOURNAL))
        sm = session.client("sagemaker")
        for model in ("model-v1", "model-v2"):
            sm.create_model(
                ModelName=model,
                ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
                PrimaryContainer={"Image": "img"},
            )
        handler = load_handler(load_function_spec(REPO, "EndpointProviderFunction", "template.yaml", {}))
        fleet = Fleet(handler, clock, session, provider.configure, JOURNAL, wakeup_queue_url=WAKEUPS)
        try:
            with fleet:
                sim.emit_events(Delivery(), seed=1).subscribe(fleet.deliver_event)
                names = ("ep-a", "ep-b")
                creates = [
                    fleet.request("Create", _props(n, "model-v1"), at=clock.now(), logical_id=n)
                    for n in names
                ]
                clock.run(stop=lambda: all(fleet.answer(e) for e in creates))
                assert [fleet.answer(e)[1]["Status"] for e in creates] == ["SUCCESS"] * 2  # type: ignore[index]
                sim.set_timings(provision=300)
                updates = [
                    fleet.request(
                        "Update",
                        _props(n, "model-v2"),
                        at=clock.now() + 10,
                        logical_id=n,
                        physical_resource_id=n,
                        old_properties=_props(n, "model-v1"),
                    )
                    for n in names
                ]
                clock.run(stop=lambda: all(fleet.answer(e) for e in updates))
                assert [fleet.answer(e)[1]["Status"] for e in updates] == ["SUCCESS"] * 2  # type: ignore[index]
                assert fleet.cloudformation is not None
                assert [fleet.cloudformation.status_of(n) for n in names] == ["UPDATE_COMPLETE"] * 2
        finally:
            provider.configure(None)
