"""DescribeEndpoint economy (issue 23): reads follow the rollout's schedule, reuse what was just read,
and describe other endpoints again only when they changed. Every Describe counts against the
account's API limits (SageMaker publishes no DescribeEndpoint rate)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from world import World

from sagemaker_rollout_testing.simulator.eventbridge import Delivery


@pytest.fixture
def described(world: World) -> Counter[str]:
    """DescribeEndpoint calls per endpoint name, from every client of the session."""
    seen: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        seen[str(params.get("EndpointName"))] += 1

    world.session.events.register("before-parameter-build.sagemaker.DescribeEndpoint", count)
    return seen


def _foreign(world: World) -> None:
    world.sm.create_endpoint_config(
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
    world.sm.create_endpoint(EndpointName="foreign", EndpointConfigName="foreign-config")
    world.clock.advance(600)


def test_an_update_with_events_reads_its_endpoint_a_handful_of_times(
    world: World, described: Counter[str]
) -> None:
    """GIVEN SageMaker's events delivered WHEN a canary with two 600 s bakes rolls out (about 25
    minutes) THEN its endpoint is described at most 6 times: the first look (reused by the steps
    that follow it), the events that said something new, the settle (reused by verify and
    cleanup), where the 10 s poller described it about 150 times."""
    world.driver.listen(world.sim.emit_events(Delivery(base_delay=1.0, mean_delay=0.0, duplicate=0.5)))
    world.create()
    described.clear()
    response = world.driver.update(
        "classifier", world.props("model-a-v2", wait=600), world.props(), logical_id="Classifier"
    )
    assert response.status == "SUCCESS", response.reason
    assert described["classifier"] <= 6, described


def test_other_endpoints_are_described_again_only_when_they_changed(
    world: World, described: Counter[str]
) -> None:
    """GIVEN another endpoint in the account, created after this one's first config WHEN two updates
    in a row each delete the config they replaced (after checking that no other endpoint uses it)
    THEN the other endpoint is described for the first check only (for the second it was modified
    before the config in question existed: not listed, issue 20; or listed unchanged since it was
    described: its answer is kept, issue 23); once it is updated out of band, it is described again."""
    world.create()
    _foreign(world)
    described.clear()
    first = world.driver.update(
        "classifier", world.props("model-a-v2"), world.props(), logical_id="Classifier"
    )
    assert first.status == "SUCCESS", first.reason
    assert described["foreign"] == 1
    second = world.driver.update(
        "classifier", world.props("model-a-v3"), world.props("model-a-v2"), logical_id="Classifier"
    )
    assert second.status == "SUCCESS", second.reason
    assert described["foreign"] == 1  # unchanged since: its configs are known
    world.sm.update_endpoint(EndpointName="foreign", EndpointConfigName="foreign-config")
    world.clock.advance(600)
    described.clear()
    third = world.driver.update(
        "classifier", world.props("model-a-v1"), world.props("model-a-v3"), logical_id="Classifier"
    )
    assert third.status == "SUCCESS", third.reason
    assert described["foreign"] == 1  # modified since: described again


def test_the_scan_for_config_users_describes_an_unchanged_endpoint_once(
    world: World, described: Counter[str]
) -> None:
    """GIVEN another endpoint and a read cache on the client WHEN the scan for users of a config runs
    three times without a time filter, the endpoint updated out of band before the third THEN it is
    described for the first and the third scan only, and every scan finds its config."""
    from sagemaker_rollout.aws.reading import ReadCache, attach_read_cache, scan_config_users

    _foreign(world)
    sm = world.session.client("sagemaker")
    attach_read_cache(sm, ReadCache())

    def scan() -> dict[str, str]:
        cursor: dict[str, Any] = {"configs": ["foreign-config"], "after": None}
        scan_config_users(sm, world.clock, "classifier", cursor)
        assert cursor["done"]
        return dict(cursor["users"])

    assert scan() == {"foreign-config": "foreign"}
    assert described["foreign"] == 1
    assert scan() == {"foreign-config": "foreign"}
    assert described["foreign"] == 1  # ListEndpoints summarises it as before: the kept answer
    world.sm.update_endpoint(EndpointName="foreign", EndpointConfigName="foreign-config")
    world.clock.advance(600)
    assert scan() == {"foreign-config": "foreign"}
    assert described["foreign"] == 2  # modified since: described again
