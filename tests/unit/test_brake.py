"""The provider's brake alarm (issue 24, ``aws/brake.py``): its name, its place in the
AutoRollbackConfiguration, and that it never touches an alarm the provider did not name."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sagemaker_rollout.aws import brake
from sagemaker_rollout.clock import SimulatedClock
from sagemaker_rollout.naming import BRAKE_ALARM_PREFIX, brake_alarm_name


@pytest.mark.parametrize(
    ("case", "config", "alarms"),
    [
        ("no AutoRollbackConfiguration", {"BlueGreenUpdatePolicy": {}}, ["brake-x"]),
        (
            "beside the user's alarms",
            {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a"}]}},
            ["a", "brake-x"],
        ),
        (
            "already listed: once",
            {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "brake-x"}]}},
            ["brake-x"],
        ),
    ],
)
def test_with_brake_adds_the_alarm_once_and_leaves_the_users_config(
    case: str, config: dict[str, Any], alarms: list[str]
) -> None:
    # GIVEN a user's DeploymentConfig WHEN the brake is added
    original = copy.deepcopy(config)
    result = brake.with_brake(config, "brake-x")
    # THEN it is listed once beside the user's alarms, and the user's config is unchanged
    assert [a["AlarmName"] for a in result["AutoRollbackConfiguration"]["Alarms"]] == alarms, case
    assert config == original


def test_brake_alarm_name_is_the_requests_own() -> None:
    # GIVEN two requests for one endpoint WHEN their brakes are named
    first, again = (
        brake_alarm_name("ep", "stack/Logical/req-1"),
        brake_alarm_name("ep", "stack/Logical/req-1"),
    )
    other = brake_alarm_name("ep", "stack/Logical/req-2")
    # THEN each request (and each retry of it) names the same alarm, under the IAM-scoped prefix
    assert first == again != other
    assert first.startswith(f"{BRAKE_ALARM_PREFIX}ep-")
    assert len(brake_alarm_name("e" * 63, "k")) <= 255


class _Refuse:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no call may reach CloudWatch ({name})")


@pytest.mark.parametrize("action", ["arm", "trip", "remove"])
def test_brake_never_touches_an_alarm_it_did_not_name(action: str) -> None:
    # GIVEN a user's alarm name WHEN the brake is asked to put or delete it
    # THEN it refuses before any call
    with pytest.raises(ValueError, match="not a brake alarm name"):
        if action == "remove":
            brake.remove(_Refuse(), SimulatedClock(), "users-latency-alarm")  # type: ignore[arg-type]
        else:
            getattr(brake, action)(_Refuse(), SimulatedClock(), "users-latency-alarm", "ep", ())
