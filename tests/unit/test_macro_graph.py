"""Dependency graphs of rendered templates: the expansion never creates a cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagemaker_rollout.macro import dependency_graph, find_cycle
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli._common import render_template

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "tests" / "golden").glob("*.input.yaml")) + [
    REPO / "templates" / f"{name}.yaml"
    for name in ("ab-test", "async-scale-from-zero", "serverless", "canary-with-alarms")
]


@pytest.mark.parametrize("source", SOURCES, ids=[path.name for path in SOURCES])
def test_render_template_dependency_graph_is_acyclic(source: Path) -> None:
    # GIVEN a rendered compact template
    rendered = render_template(cfn_yaml.load(source.read_text()))
    # WHEN building its graph from Ref / GetAtt / Sub / DependsOn
    graph = dependency_graph(rendered)
    # THEN there is no cycle, and the endpoint does not depend on any scaling resource
    assert find_cycle(graph) is None
    kinds_of_endpoint = ("Custom::SageMakerEndpoint", "SageMakerRollout::SageMaker::Endpoint")
    endpoints = [lid for lid, r in rendered["Resources"].items() if r["Type"] in kinds_of_endpoint]
    assert endpoints
    for endpoint in endpoints:
        reachable = _reachable(graph, endpoint)
        kinds = {rendered["Resources"][lid]["Type"] for lid in reachable}
        assert not kinds & {
            "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
        }


def test_render_ab_example_scalable_targets_depend_on_endpoint_and_endpoint_on_alarms() -> None:
    # GIVEN the rendered A/B example
    graph = dependency_graph(
        render_template(cfn_yaml.load((REPO / "templates" / "ab-test.yaml").read_text()))
    )
    # WHEN inspecting the edges
    # THEN scalable targets wait for the endpoint, and the endpoint waits for its rollback alarms and models
    assert graph["TextClassifierModelAScalableTarget"] == {"TextClassifier"}
    assert graph["TextClassifier"] == {
        "TextClassifierModelAModel",
        "TextClassifierModelBModel",
        "TextClassifierModelAInvocation5XXErrorsAlarm",
        "TextClassifierModelAModelLatencyAlarm",
        "TextClassifierModelBInvocation5XXErrorsAlarm",
    }
    assert graph["TextClassifierModelAInvocation5XXErrorsAlarm"] == {"OpsTopic"}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize(
    ("resources", "cycle"),
    [
        (
            {"A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}}, "B": {"Type": "T", "DependsOn": "A"}},
            ["A", "B", "A"],
        ),
        (
            {
                "A": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${B.Arn}"}}},
                "B": {"Type": "T", "Properties": {"Y": {"Fn::GetAtt": ["A", "Arn"]}}},
            },
            ["A", "B", "A"],
        ),
        ({"A": {"Type": "T", "DependsOn": ["A"]}}, ["A", "A"]),
        (
            {
                "A": {"Type": "T", "Properties": {"X": {"Fn::Sub": ["${B}", {"B": "literal"}]}}},
                "B": {"Type": "T", "Properties": {"Y": {"Ref": "A"}}},
            },
            None,
        ),
        (
            {
                "A": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${AWS::Region}-${!Literal}"}}},
                "B": {"Type": "T", "Properties": {"Y": {"Ref": "A"}}},
            },
            None,
        ),
    ],
    ids=["ref-dependson", "sub-getatt", "self", "sub-bound-variable", "sub-pseudo-and-escape"],
)
def test_find_cycle_detects_exactly_real_cycles(resources: dict[str, Any], cycle: list[str] | None) -> None:
    # GIVEN a small template
    # WHEN looking for a cycle
    found = find_cycle(dependency_graph({"Resources": resources}))
    # THEN a cycle is reported exactly when one exists
    assert found == cycle
