"""Property-based: any valid compact endpoint expands to a deterministic, acyclic, cfn-lint-clean template."""

from __future__ import annotations

import copy
from typing import Any

import cfnlint.api
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_rollout.macro import dependency_graph, expand_template, find_cycle, strip_transform
from sagemaker_rollout_tools import cfn_yaml

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
METRICS = ("Invocation4XXErrors", "Invocation5XXErrors", "ModelLatency", "OverheadLatency", "CPUUtilization")
NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)


@st.composite
def _model(draw: st.DrawFn, index: int) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"ModelName": f"existing-model-{index}"}
    container = {
        "Image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/m{index}:1",
        "ModelDataUrl": f"s3://bucket/m{index}/model.tar.gz",
    }
    model: dict[str, Any] = {"ExecutionRoleArn": ROLE}
    if draw(st.booleans()):
        model["Containers"] = [container, {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/post:1"}]
    else:
        model.update(container)
    if draw(st.booleans()):
        model["EnableNetworkIsolation"] = True
    return {"Model": model}


@st.composite
def _alarms(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(METRICS), max_size=2, unique=True))
    alarms: dict[str, Any] = {}
    for metric in chosen:
        threshold = draw(st.integers(1, 1000))
        if draw(st.booleans()):
            alarms[metric] = threshold
        else:
            evaluations = draw(st.integers(1, 5))
            alarms[metric] = {
                "Threshold": threshold,
                "Statistic": draw(st.sampled_from(["Average", "p99", "Maximum"])),
                "EvaluationPeriods": evaluations,
                "DatapointsToAlarm": draw(st.integers(1, evaluations)),
            }
    return alarms


@st.composite
def _endpoint(draw: st.DrawFn) -> dict[str, Any]:
    serverless = draw(st.booleans())
    # A serverless endpoint has one variant (SageMaker's serverless feature exclusions).
    names = draw(
        st.lists(NAMES, min_size=1, max_size=1 if serverless else 3, unique_by=lambda n: n.replace("-", ""))
    )
    variants = []
    counts = []
    for index, name in enumerate(names):
        variant: dict[str, Any] = {"Name": name, **draw(_model(index)), "Weight": draw(st.integers(0, 5))}
        if serverless:
            concurrency = draw(st.integers(1, 50))
            variant["Serverless"] = {
                "MemorySizeInMB": draw(st.sampled_from([1024, 2048, 6144])),
                "MaxConcurrency": concurrency,
            }
        else:
            count = draw(st.integers(1, 4))
            counts.append(count)
            variant["InstanceType"] = draw(st.sampled_from(["ml.m5.large", "ml.c5.xlarge", "ml.g5.xlarge"]))
            variant["InstanceCount"] = count
            if draw(st.booleans()):
                target = draw(
                    st.sampled_from(
                        [
                            {"TargetInvocationsPerInstance": draw(st.integers(1, 500))},
                            {
                                "MaxRequestsPerSecond": draw(st.integers(1, 50)),
                                "SafetyFactor": draw(st.sampled_from([0.25, 0.5, 1])),
                            },
                            {"TargetCpuUtilization": draw(st.integers(10, 90))},
                        ]
                    )
                )
                variant["AutoScaling"] = {
                    "MinCapacity": count,
                    "MaxCapacity": count + draw(st.integers(0, 4)),
                    **target,
                }
        variant["Alarms"] = draw(_alarms())
        variants.append(variant)
    properties: dict[str, Any] = {"Variants": variants}
    if draw(st.booleans()):
        properties["EndpointName"] = draw(NAMES)
    strategies = ["AllAtOnce"]
    if not serverless and min(counts) >= 2:
        strategies += ["Canary", "Linear"]
        if len(variants) == 1 and counts[0] % 2 == 0:  # 50% batches: 2 batches, each provisioned, fit 3600 s
            strategies.append("Rolling")
    strategy = draw(st.sampled_from(strategies))
    deployment: dict[str, Any] = {"Strategy": strategy, "WaitIntervalSeconds": draw(st.integers(0, 600))}
    if strategy == "Canary":
        deployment["CanarySize"] = draw(st.sampled_from(["10%", "50%", 1]))
    elif strategy == "Linear":
        deployment["LinearStepSize"] = draw(st.sampled_from(["50%", 1]))
        deployment["WaitIntervalSeconds"] = draw(st.integers(0, 400))  # up to 4 steps fit in 3600 s
    elif strategy == "Rolling":
        deployment["BatchSize"] = "50%"
        deployment["WaitIntervalSeconds"] = draw(st.integers(0, 100))  # 2 batches, each provisioned
    total_alarms = sum(len(v["Alarms"]) for v in variants)
    if total_alarms > 10:
        deployment["RollbackOnAlarms"] = False
    properties["Deployment"] = deployment
    if draw(st.booleans()):
        properties["Dashboard"] = True
    if draw(st.booleans()):
        properties["Tags"] = {"team": "ml", "env": draw(st.sampled_from(["dev", "prod"]))}
    if not serverless and draw(st.booleans()):  # no data capture on serverless endpoints
        properties["DataCapture"] = {
            "DestinationS3Uri": "s3://bucket/capture",
            "SamplingPercentage": draw(st.integers(1, 100)),
        }
    return {
        "Transform": "SageMakerRollout",
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Endpoint": {"Type": "SageMakerRollout::Endpoint", "Properties": properties},
        },
    }


@pytest.mark.slow  # `make test-slow`: cfn-lint on every generated example
@pytest.mark.usefixtures("shared_cfnlint_rules")  # cfn-lint's rules loaded once, not once an example
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=_endpoint())
def test_expand_any_valid_endpoint_is_deterministic_acyclic_and_lint_clean(template: dict[str, Any]) -> None:
    # GIVEN a valid compact template
    original = copy.deepcopy(template)
    # WHEN expanding it twice
    first = expand_template(template, service_token={"Fn::ImportValue": "provider-arn"})
    second = expand_template(copy.deepcopy(template), service_token={"Fn::ImportValue": "provider-arn"})
    rendered = cfn_yaml.dump(strip_transform(first))
    # THEN the input is untouched, the output byte-identical, acyclic, and cfn-lint has nothing to say
    assert template == original
    assert cfn_yaml.dump(second) == cfn_yaml.dump(first)
    assert find_cycle(dependency_graph(first)) is None
    assert [str(match) for match in cfnlint.api.lint(rendered, regions=["us-east-1"])] == []
