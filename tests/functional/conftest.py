"""Fixtures of the functional suites that drive the provider."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import iam_audit
from builds import SamBuild, once_a_session, run_sam_build, sam
from world import World


@pytest.fixture(autouse=True)
def provider_iam_audit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Every AWS call any functional test makes the provider do must be allowed by its IAM role.

    Action, resource and conditions are decided (``iam_audit``), not only the action (issue 9). Tests
    marked ``registry_type`` drive the registry type: its execution role decides.
    """
    registry_type = request.node.get_closest_marker("registry_type") is not None
    yield from iam_audit.audit(request, monkeypatch, registry_type=registry_type)


@pytest.fixture
def faults(session: Any, clock: Any) -> Iterator[Any]:
    """Fault injection on every client of the session (errors, outages, kills after a call)."""
    from sagemaker_rollout_testing import FaultInjector

    with FaultInjector(session, clock) as injector:
        yield injector


@pytest.fixture
def world(provider_driver: Any, sim: Any, session: Any, clock: Any, faults: Any) -> Iterator[World]:
    w = World(provider_driver, sim, session, clock, faults)
    yield w
    # Invariants of every scenario: no config deleted while an endpoint used it, nothing left behind
    # for continuations, every answer within CloudFormation's limits.
    assert sim.deleted_configs_in_use == []
    assert w.events.list_rules()["Rules"] == []
    for captured in provider_driver.all_responses:
        assert captured.size < 4096
    # Nothing left behind (issue 23): once whatever was on its way (wake-up links, events) has
    # arrived, nothing is on its way any more and no request is waiting.
    if provider_driver.scheduled is not None:
        provider_driver.deliver_pending()
        assert provider_driver.scheduled.pending() == []


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> SamBuild | None:
    """``sam build`` of template.yaml, run once a test session (builds.py), or None without sam.

    Its test (test_template.py) checks what it built; its layer is the arm64 layer that
    test_built_layer.py checks (``BuildMethod: makefile``: the layer of ``layers/Makefile``).
    """
    command = sam()
    if command is None:
        return None
    directory, outcome = once_a_session(
        tmp_path_factory, "sam-build", lambda directory: run_sam_build(command, directory)
    )
    return SamBuild(directory / "build", outcome["returncode"], outcome["output"])
