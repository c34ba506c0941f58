"""The cfn-lint rules package (``cfn-lint TEMPLATE -a <sagemaker_rollout/lint_rules>``).

Rules are loaded the way cfn-lint's ``--append-rules`` loads them (one module per file, outside the
package) and run through cfn-lint's own template runner, so locations and line numbers are
cfn-lint's. Every error message is compared with the message of the code it must agree with (the
provider's validation, the macro), computed independently in the test.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.rules import Rules
from documents import with_value

from sagemaker_rollout.macro import DEFAULT_SERVICE_TOKEN, MacroError, expand_endpoint, expand_template
from sagemaker_rollout.spec import PropertyError, validate_endpoint_properties
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.lint_rules import RULE_IDS, rules_directory

REPO = Path(__file__).resolve().parents[2]
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
RULES_DIR = REPO / "src" / "sagemaker_rollout_tools" / "lint_rules"


# ------------------------------------------------------------------------------------- helpers --
def _rules() -> Rules:
    return Rules.create_from_directory(rules_directory())


def _lint(template: dict[str, Any]) -> list[Any]:
    """cfn-lint with ``append_rules`` = the package (as ``-a``); only the package's matches are kept.

    The template is dumped to YAML first, so cfn-lint computes real line numbers.
    """
    config = ManualArgs(regions=["us-east-1"], append_rules=[rules_directory()])
    return [m for m in lint(cfn_yaml.dump(template), config=config) if m.rule.id in RULE_IDS]


def _found(template: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m.rule.id, m.message) for m in _lint(template)]


def _endpoint(**changes: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ServiceToken": TOKEN,
        "EndpointName": "classifier",
        "ProductionVariants": [
            {
                "VariantName": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1,
            }
        ],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 300,
                }
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "latency"}]},
        },
    }
    properties.update(changes)
    return {"Type": "Custom::SageMakerEndpoint", "Properties": properties}


def _compact(**changes: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Variants": [
            {
                "Name": "model-a",
                "ModelName": "model-a-v1",
                "InstanceType": "ml.c5.xlarge",
                "InstanceCount": 2,
                "AutoScaling": {"MinCapacity": 2, "MaxCapacity": 4, "TargetInvocationsPerInstance": 70},
                "Alarms": {"Invocation5XXErrors": 5},
            }
        ],
        "Deployment": {"Strategy": "Canary", "CanarySize": 1, "WaitIntervalSeconds": 300},
    }
    properties.update(changes)
    return {"Type": "SageMakerRollout::Endpoint", "Properties": properties}


def _without(document: dict[str, Any], path: str) -> dict[str, Any]:
    """Copy of ``document`` without the key at ``a.0.b``."""
    document = copy.deepcopy(document)
    keys = path.split(".")
    target: Any = document
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    del target[keys[-1]]
    return document


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the template")


# ------------------------------------------------------------------------------------- loading --
def test_lint_rules_directory_loaded_by_cfnlint_gives_each_rule_once() -> None:
    # GIVEN the directory users pass to cfn-lint -a
    # WHEN cfn-lint's own plugin loader reads it
    rules = _rules()
    # THEN it finds exactly the package's rules (no helper module or base class is taken for a rule)
    assert sorted(rule.id for rule in rules.values()) == sorted(RULE_IDS)
    assert Path(rules_directory()) == RULES_DIR.resolve()
    for rule in rules.values():
        assert rule.shortdesc and rule.description and rule.severity in ("error", "warning")


def test_lint_rules_python_m_prints_the_directory() -> None:
    # GIVEN the package on the path WHEN `python -m sagemaker_rollout_tools.lint_rules` runs
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers")}
    out = subprocess.run(
        [sys.executable, "-m", "sagemaker_rollout_tools.lint_rules"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # THEN it prints the directory to pass to cfn-lint -a
    assert out.strip() == rules_directory()


# ------------------------------------------------------------------------------------ E9101 ----
E9101_CASES = [
    ("count not a number", "ProductionVariants.0.InitialInstanceCount", "two", "InitialInstanceCount: two"),
    ("unknown property", "Colour", "blue", "Colour: blue"),
    ("bad endpoint name", "EndpointName", "bad_name!", "EndpointName: bad_name!"),
    (
        "canary larger than half",
        "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value",
        2,
        "CanarySize:",
    ),
    ("service timeout", "ServiceTimeout", "99999", "ServiceTimeout: '99999'"),
]


@pytest.mark.parametrize(("case", "path", "value", "line"), E9101_CASES, ids=[c[0] for c in E9101_CASES])
def test_e9101_invalid_custom_endpoint_reports_provider_message_at_property(
    case: str, path: str, value: Any, line: str
) -> None:
    # GIVEN a Custom::SageMakerEndpoint with one bad property
    resource = with_value(_endpoint(), f"Properties.{path}", value)
    template = {"Resources": {"Classifier": resource}}
    # AND the provider's own verdict on those properties
    with pytest.raises(PropertyError) as refused:
        validate_endpoint_properties(resource["Properties"])
    # WHEN the rules run
    matches = [m for m in _lint(template) if m.rule.id == "E9101"]
    # THEN exactly one error carries the provider's message, prefixed with the logical id
    assert [m.message for m in matches] == [str(refused.value.prefixed("Classifier"))]
    assert matches[0].message.startswith("Classifier.")
    # AND it points at the offending property's line
    assert matches[0].linenumber == _line_of(cfn_yaml.dump(template), line)


def test_e9101_missing_required_property_located_at_properties() -> None:
    # GIVEN an endpoint without ProductionVariants
    resource = _endpoint()
    del resource["Properties"]["ProductionVariants"]
    template = {"Resources": {"Classifier": resource}}
    # WHEN linted
    matches = [m for m in _lint(template) if m.rule.id == "E9101"]
    # THEN the error names the property and sits on the Properties line (its nearest existing parent)
    assert [m.message for m in matches] == [
        "Classifier.ProductionVariants: is required (1-10 production variants)"
    ]
    assert matches[0].linenumber == _line_of(cfn_yaml.dump(template), "Properties:")


def test_e9101_intrinsics_and_string_scalars_accepted() -> None:
    # GIVEN values CloudFormation resolves later, and numbers written as strings
    resource = with_value(
        _endpoint(), "Properties.ProductionVariants.0.InitialInstanceCount", {"Ref": "Count"}
    )
    resource = with_value(resource, "Properties.ProductionVariants.0.InstanceType", {"Ref": "InstanceType"})
    resource = with_value(resource, "Properties.ProductionVariants.0.InitialVariantWeight", "1.0")
    resource = with_value(resource, "Properties.EndpointName", {"Fn::Sub": "${AWS::StackName}-classifier"})
    template = {
        "Parameters": {"Count": {"Type": "Number"}, "InstanceType": {"Type": "String"}},
        "Resources": {"Classifier": resource},
    }
    # WHEN linted THEN nothing is reported
    assert _found(template) == []


# ------------------------------------------------------------------------------------ E9201 ----
E9201_CASES = [
    (
        "min above max",
        "Variants.0.AutoScaling.MinCapacity",
        5,
        "Classifier.Variants[0].AutoScaling: MinCapacity 5",
    ),
    ("unknown key", "Variants.0.Colour", "blue", "Classifier.Variants[0]: unknown key 'Colour'"),
    ("bad strategy", "Deployment.Strategy", "Sideways", "Classifier.Deployment.Strategy: must be one of"),
    ("no variants", "Variants", [], "Classifier.Variants: must have 1 to 10 items, got 0"),
]


@pytest.mark.parametrize(("case", "path", "value", "prefix"), E9201_CASES, ids=[c[0] for c in E9201_CASES])
def test_e9201_invalid_compact_endpoint_reports_macro_message(
    case: str, path: str, value: Any, prefix: str
) -> None:
    # GIVEN a SageMakerRollout::Endpoint with one bad property
    resource = with_value(_compact(), f"Properties.{path}", value)
    template = {"Transform": "SageMakerRollout", "Resources": {"Classifier": resource}}
    # AND the macro's own verdict on it
    with pytest.raises(MacroError) as refused:
        expand_endpoint("Classifier", resource, service_token=TOKEN)
    # WHEN the rules run
    matches = [m for m in _lint(template) if m.rule.id == "E9201"]
    # THEN exactly one error carries the macro's message
    assert [m.message for m in matches] == [str(refused.value)]
    assert matches[0].message.startswith(prefix)
    # AND it sits inside the resource (on or after its logical id's line)
    assert matches[0].linenumber >= _line_of(cfn_yaml.dump(template), "Classifier:")


def test_e9201_located_at_the_deepest_existing_part_of_the_path() -> None:
    # GIVEN MinCapacity above MaxCapacity (the macro names the AutoScaling mapping)
    template = {
        "Resources": {
            "Classifier": with_value(_compact(), "Properties.Variants.0.AutoScaling.MinCapacity", 5)
        }
    }
    # WHEN linted
    (match,) = [m for m in _lint(template) if m.rule.id == "E9201"]
    # THEN the error is on the AutoScaling line
    assert match.linenumber == _line_of(cfn_yaml.dump(template), "AutoScaling:")


def test_e9201_logical_id_collision_with_user_resource_reported() -> None:
    # GIVEN a user resource whose id the macro would generate for the endpoint's scalable target
    template = {
        "Resources": {
            "Classifier": _compact(),
            "ClassifierModelAScalableTarget": {"Type": "AWS::SNS::Topic"},
        }
    }
    # AND the macro's verdict on the whole template
    with pytest.raises(MacroError) as refused:
        expand_template(template, service_token=DEFAULT_SERVICE_TOKEN)
    # WHEN linted THEN the same message is reported once
    assert _found(template) == [("E9201", str(refused.value))]
    assert "collides" in str(refused.value)


def test_e9201_every_bad_compact_resource_reported() -> None:
    # GIVEN two bad compact resources and a good one
    template = {
        "Resources": {
            "First": with_value(_compact(), "Properties.Variants.0.InstanceCount", 0),
            "Good": _compact(),
            "Second": with_value(_compact(), "Properties.Deployment.CanarySize", "80%"),
        }
    }
    # WHEN linted THEN both are reported, each under its own id
    ids = [m.message.split(".")[0] for m in _lint(template) if m.rule.id == "E9201"]
    assert ids == ["First", "Second"]


def test_e9201_parameter_defaults_resolved_like_render() -> None:
    # GIVEN a canary size taken from a parameter: 1 by default (valid), 80% in another template
    resource = with_value(_compact(), "Properties.Deployment.CanarySize", {"Ref": "Canary"})
    good = {
        "Parameters": {"Canary": {"Type": "String", "Default": "1"}},
        "Resources": {"Classifier": resource},
    }
    bad = with_value(good, "Parameters.Canary.Default", "80%")
    # WHEN both are linted THEN only the one whose default the macro refuses is reported
    assert [rule for rule, _ in _found(good)] == []
    assert [message for rule, message in _found(bad) if rule == "E9201"] == [
        "Classifier.Deployment.CanarySize: 80% is larger than half the fleet (at most 50%)"
    ]


# ------------------------------------------------------------------------------------ W9101 ----
@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (_endpoint(), None),
        (_without(_endpoint(), "Properties.DeploymentConfig"), "no DeploymentConfig"),
        (
            _without(_endpoint(), "Properties.DeploymentConfig.AutoRollbackConfiguration"),
            "no AutoRollbackConfiguration",
        ),
        (_compact(), None),
        (_without(_compact(), "Properties.Variants.0.Alarms"), "no AutoRollbackConfiguration"),
        (
            _without(_without(_compact(), "Properties.Variants.0.Alarms"), "Properties.Deployment"),
            "no DeploymentConfig",
        ),
    ],
    ids=[
        "guarded",
        "no-deployment-config",
        "no-rollback-alarms",
        "compact-guarded",
        "compact-no-alarms",
        "compact-nothing",
    ],
)
def test_w9101_unguarded_updates_warned(resource: dict[str, Any], expected: str | None) -> None:
    # GIVEN an endpoint with or without deployment guardrails
    template = {"Resources": {"Classifier": resource}}
    # WHEN linted
    warnings = [message for rule, message in _found(template) if rule == "W9101"]
    # THEN only unguarded endpoints are warned about, naming what is missing
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith("Classifier: ") and expected in warnings[0]


# ------------------------------------------------------------------------------------ W9102 ----
def _target(resource_id: Any, **attributes: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
        **attributes,
        "Properties": {
            "ServiceNamespace": "sagemaker",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ResourceId": resource_id,
            "MinCapacity": 2,
            "MaxCapacity": 4,
        },
    }


@pytest.mark.parametrize(
    ("retain", "target", "warned"),
    [
        (False, _target({"Fn::Sub": "endpoint/${Classifier}/variant/model-a"}), True),
        (
            False,
            _target({"Fn::Join": ["/", ["endpoint", {"Ref": "Classifier"}, "variant", "model-a"]]}),
            True,
        ),
        (False, _target({"Fn::Sub": "endpoint/${Classifier.EndpointName}/variant/model-a"}), True),
        ("false", _target("endpoint/classifier/variant/model-a"), True),
        (False, _target("endpoint/other/variant/model-a", DependsOn=["Classifier"]), True),
        (False, _target("endpoint/other/variant/model-a"), False),
        (True, _target({"Fn::Sub": "endpoint/${Classifier}/variant/model-a"}), False),
        (None, _target({"Fn::Sub": "endpoint/${Classifier}/variant/model-a"}), False),
        (False, None, False),
    ],
    ids=[
        "sub",
        "join-ref",
        "sub-getatt",
        "literal-name",
        "depends-on",
        "other-endpoint",
        "retain",
        "default",
        "no-target",
    ],
)
def test_w9102_retain_false_on_autoscaled_endpoint_warned(retain: Any, target: Any, warned: bool) -> None:
    # GIVEN an endpoint with RetainAllVariantProperties set (or not) and maybe a scalable target on it
    endpoint = _endpoint() if retain is None else _endpoint(RetainAllVariantProperties=retain)
    resources: dict[str, Any] = {"Classifier": endpoint}
    if target is not None:
        resources["Target"] = target
    template = {"Resources": resources}
    # WHEN linted
    matches = [m for m in _lint(template) if m.rule.id == "W9102"]
    # THEN only an autoscaled endpoint that resets its variants is warned about, at the flag
    assert len(matches) == (1 if warned else 0)
    if warned:
        assert matches[0].message.startswith("Classifier.RetainAllVariantProperties: false resets")
        assert matches[0].linenumber == _line_of(cfn_yaml.dump(template), "RetainAllVariantProperties")


# ---------------------------------------------------------------------------- example templates --
EXAMPLES = sorted(path.name for path in (REPO / "templates").glob("*.yaml"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_lint_rules_example_templates_clean(name: str) -> None:
    # GIVEN an example template, raw (compact) and rendered by the macro
    template = cfn_yaml.load((REPO / "templates" / name).read_text(encoding="utf-8"))
    rendered = expand_template(template, service_token=TOKEN, parameters={})
    rendered.pop("Transform", None)
    # WHEN the rules run on both THEN nothing is reported
    assert _found(template) == []
    assert _found(rendered) == []


def test_lint_rules_cfn_lint_command_line_reports_and_exits_nonzero(tmp_path: Path) -> None:
    # GIVEN a raw compact template with a bad resource, and cfn-lint's command line as users run it
    template = {
        "Transform": "SageMakerRollout",
        "Resources": {
            "Classifier": with_value(_compact(), "Properties.Variants.0.AutoScaling.MinCapacity", 5)
        },
    }
    path = tmp_path / "bad.yaml"
    path.write_text(cfn_yaml.dump(template), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers")}
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    # WHEN `cfn-lint TEMPLATE -a DIR --ignore-checks E3006` runs
    result = subprocess.run(
        [str(cfn_lint), str(path), "-a", rules_directory(), "--ignore-checks", "E3006"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it fails with the macro's message and nothing about the unknown resource type
    assert result.returncode != 0
    assert (
        "E9201 Classifier.Variants[0].AutoScaling: MinCapacity 5 is greater than MaxCapacity 4"
        in result.stdout
    )
    assert "E3006" not in result.stdout


# ------------------------------------------------------------- E9101: EndpointConfigName kept ----
def test_e9101_endpoint_config_name_says_to_remove_it_not_did_you_mean() -> None:
    # GIVEN EndpointConfigName kept from an AWS::SageMaker::Endpoint being migrated
    template = {"Resources": {"Classifier": _endpoint(EndpointConfigName="churn-config")}}
    # WHEN linted
    (message,) = [message for rule, message in _found(template) if rule == "E9101"]
    # THEN the message explains that the provider names configs itself, without "did you mean EndpointName"
    assert message.startswith(
        "Classifier.EndpointConfigName: not a property: the provider creates and names the endpoint "
        "configs itself"
    )
    assert "did you mean" not in message and "remove it" in message


# ------------------------------------------------------------------------------------ E9102 ----
@pytest.mark.parametrize(
    ("reference", "location", "hint"),
    [
        ({"Fn::GetAtt": ["Classifier", "Arn"]}, "Outputs", "did you mean EndpointArn?"),
        ({"Fn::Sub": "arn is ${Classifier.Arn}"}, "Outputs", "did you mean EndpointArn?"),
        ({"Fn::GetAtt": ["Classifier", "EndpointNme"]}, "Outputs", "did you mean EndpointName?"),
        ({"Fn::GetAtt": ["Classifier", "Status"]}, "Outputs", ""),
        ({"Fn::GetAtt": ["Classifier", "Arn"]}, "Resources", "did you mean EndpointArn?"),
    ],
    ids=["getatt-arn", "sub-arn", "typo", "unknown", "in-a-resource"],
)
@pytest.mark.parametrize("kind", ["custom", "compact"])
def test_e9102_unknown_endpoint_attribute_reported_with_the_right_one(
    reference: Any, location: str, hint: str, kind: str
) -> None:
    # GIVEN a reference to an attribute the endpoint does not return, in an output or a resource
    resources: dict[str, Any] = {"Classifier": _endpoint() if kind == "custom" else _compact()}
    template: dict[str, Any] = {"Resources": resources}
    if location == "Outputs":
        template["Outputs"] = {"Out": {"Value": reference}}
    else:
        resources["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": reference}}
    # WHEN linted
    messages = [message for rule, message in _found(template) if rule == "E9102"]
    # THEN one error names the attribute, suggests the right one and lists the three attributes
    assert len(messages) == 1, messages
    attribute = messages[0].split(":")[0].split(".")[1]
    assert messages[0].startswith(f"Classifier.{attribute}: ")
    assert hint in messages[0]
    assert "EndpointName, EndpointArn, EndpointConfigName" in messages[0]


@pytest.mark.parametrize("attribute", ["EndpointName", "EndpointArn", "EndpointConfigName"])
def test_e9102_known_attributes_pass(attribute: str) -> None:
    # GIVEN each attribute the endpoint returns WHEN linted THEN nothing is reported
    template = {
        "Resources": {"Classifier": _endpoint()},
        "Outputs": {"Out": {"Value": {"Fn::GetAtt": ["Classifier", attribute]}}},
    }
    assert [rule for rule, _ in _found(template) if rule == "E9102"] == []


# ------------------------------------------------------------------------------------ E9103 ----
_CONFIG = {
    "Type": "AWS::SageMaker::EndpointConfig",
    "Properties": {
        "ProductionVariants": [
            {"VariantName": "a", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
        ]
    },
}


@pytest.mark.parametrize(
    ("resource_id", "used"),
    [
        (
            {"Fn::Sub": "endpoint/${Classifier.EndpointConfigName}/variant/model-a"},
            "Classifier.EndpointConfigName",
        ),
        (
            {
                "Fn::Join": [
                    "/",
                    ["endpoint", {"Fn::GetAtt": ["Classifier", "EndpointConfigName"]}, "variant", "a"],
                ]
            },
            "Classifier.EndpointConfigName",
        ),
        ({"Fn::Join": ["/", ["endpoint", {"Ref": "Config"}, "variant", "a"]]}, "Config"),
        ({"Fn::Sub": "endpoint/${Config}/variant/a"}, "Config"),
        ({"Fn::Sub": "endpoint/${Config.EndpointConfigName}/variant/a"}, "Config.EndpointConfigName"),
        (
            {
                "Fn::Sub": [
                    "endpoint/${Name}/variant/a",
                    {"Name": {"Fn::GetAtt": ["Config", "EndpointConfigName"]}},
                ]
            },
            "Config.EndpointConfigName",
        ),
        ({"Fn::Sub": "endpoint/${Classifier.EndpointName}/variant/model-a"}, None),
        ({"Fn::Sub": "endpoint/${Classifier}/variant/model-a"}, None),
        ("endpoint/classifier/variant/model-a", None),
    ],
    ids=[
        "sub-getatt-config-name",
        "join-getatt-config-name",
        "join-ref-config",
        "sub-config",
        "sub-config-attribute",
        "sub-variable",
        "endpoint-name",
        "endpoint-ref",
        "literal",
    ],
)
def test_e9103_scalable_target_resource_id_from_config_name_reported(
    resource_id: Any, used: str | None
) -> None:
    # GIVEN a scalable target (and a policy with the same ResourceId) on an endpoint
    policy = {
        "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
        "Properties": {
            "PolicyName": "p",
            "PolicyType": "TargetTrackingScaling",
            "ResourceId": resource_id,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ServiceNamespace": "sagemaker",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            },
        },
    }
    template = {
        "Resources": {
            "Classifier": _endpoint(),
            "Config": _CONFIG,
            "Target": _target(resource_id),
            "Policy": policy,
        }
    }
    # WHEN linted
    messages = [message for rule, message in _found(template) if rule == "E9103"]
    # THEN a ResourceId built from a config name is an error on each resource, naming what it used
    if used is None:
        assert messages == []
    else:
        assert messages == [
            f"{logical_id}.ResourceId: built from {used}, an endpoint config name; Application Auto "
            "Scaling needs endpoint/<endpoint name>/variant/<variant name> (use the endpoint's name: "
            "!GetAtt <Endpoint>.EndpointName or !Ref of Custom::SageMakerEndpoint)"
            for logical_id in ("Target", "Policy")
        ]


# ------------------------------------------------------------------------------------ E9104 ----
def _policy(resource: Any, element: str = "Resource") -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sagemaker:InvokeEndpoint", element: resource}],
            }
        },
    }


@pytest.mark.parametrize(
    ("resource", "element", "reported"),
    [
        ({"Ref": "Classifier"}, "Resource", True),
        ([{"Ref": "Classifier"}, "arn:aws:s3:::b"], "Resource", True),
        ({"Fn::Sub": "${Classifier}"}, "Resource", True),
        ({"Ref": "Classifier"}, "NotResource", True),
        ({"Fn::GetAtt": ["Classifier", "EndpointArn"]}, "Resource", False),
        (
            {"Fn::Sub": "arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/${Classifier}"},
            "Resource",
            False,
        ),
    ],
    ids=["ref", "ref-in-list", "sub-name", "not-resource", "getatt-arn", "arn-built-from-name"],
)
@pytest.mark.parametrize("kind", ["custom", "compact"])
def test_e9104_ref_of_endpoint_as_iam_resource_reported(
    resource: Any, element: str, reported: bool, kind: str
) -> None:
    # GIVEN an IAM policy statement naming the endpoint
    template = {
        "Resources": {
            "Classifier": _endpoint() if kind == "custom" else _compact(),
            "Invoke": _policy(resource, element),
        }
    }
    # WHEN linted
    messages = [message for rule, message in _found(template) if rule == "E9104"]
    # THEN a bare Ref (the endpoint's name) is an error suggesting EndpointArn; an ARN is fine
    if reported:
        endpoint_type = "Custom::SageMakerEndpoint" if kind == "custom" else "SageMakerRollout::Endpoint"
        assert messages == [
            f"{element}: Ref of Classifier ({endpoint_type}) is the endpoint name, not its ARN; "
            "use !GetAtt Classifier.EndpointArn"
        ]
    else:
        assert messages == []


# ------------------------------------------------------------------------------------ W9103 ----
@pytest.mark.parametrize(("count", "minimum", "warned"), [(1, 2, True), (2, 2, False), ("1", "3", True)])
def test_w9103_compact_instance_count_below_min_capacity_warned(
    count: Any, minimum: Any, warned: bool
) -> None:
    # GIVEN a compact variant with InstanceCount and AutoScaling.MinCapacity
    resource = with_value(_compact(), "Properties.Variants.0.InstanceCount", count)
    resource = with_value(resource, "Properties.Variants.0.AutoScaling.MinCapacity", minimum)
    resource = with_value(resource, "Properties.Deployment", {"Strategy": "AllAtOnce"})
    template = {"Resources": {"Classifier": resource}}
    # WHEN linted (raw, and rendered by the macro, as `sagemaker-rollout lint` does)
    raw = [m for m in _lint(template) if m.rule.id == "W9103"]
    rendered = expand_template(template, service_token=TOKEN)
    expanded = [m.message for m in _lint(rendered) if m.rule.id == "W9103"]
    # THEN a count below the minimum is a warning (the macro accepts it) at the InstanceCount line
    assert [rule for rule, _ in _found(template) if rule.startswith("E")] == []
    if not warned:
        assert raw == [] and expanded == []
        return
    assert [m.message.split(":")[0] for m in raw] == [
        f"Classifier.Variants[0].InstanceCount {int(count)} is below AutoScaling.MinCapacity {int(minimum)}"
    ]
    assert raw[0].linenumber == _line_of(cfn_yaml.dump(template), "InstanceCount")
    assert expanded == [
        f"Classifier.ProductionVariants[0].InitialInstanceCount {int(count)} is below "
        f"ClassifierModelAScalableTarget.MinCapacity {int(minimum)}: the endpoint is created with "
        f"{int(count)} instance(s) and Application Auto Scaling scales it up to {int(minimum)} once the "
        f"scalable target is registered; start at {int(minimum)} to serve at full capacity from the beginning"
    ]


@pytest.mark.parametrize(
    ("instance_type", "package", "expected"),
    [
        (
            "ml.inf1.xlarge",
            None,
            "ProductionVariants[0].InstanceType ml.inf1.xlarge: SageMaker does not apply",
        ),
        (
            "ml.c5.xlarge",
            "arn:aws:sagemaker:us-east-1:123456789012:model-package/vendor-model",
            "Marketplace",
        ),
        ("ml.c5.xlarge", None, None),
    ],
    ids=["inf1", "model-package", "neither"],
)
def test_w9101_guardrails_sagemaker_silently_ignores_warned(
    instance_type: str, package: str | None, expected: str | None
) -> None:
    # GIVEN a guarded endpoint on Inf1 instances, or whose model comes from a model package
    resource = _endpoint()
    variant = resource["Properties"]["ProductionVariants"][0]
    variant["InstanceType"] = instance_type
    template: dict[str, Any] = {"Resources": {"Classifier": resource}}
    if package is not None:
        variant["ModelName"] = {"Fn::GetAtt": ["Vendor", "ModelName"]}
        template["Resources"]["Vendor"] = {
            "Type": "AWS::SageMaker::Model",
            "Properties": {
                "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
                "PrimaryContainer": {"ModelPackageName": package},
                "EnableNetworkIsolation": True,
            },
        }
    # WHEN linted
    warnings = [message for rule, message in _found(template) if rule == "W9101"]
    # THEN the fallback to all at once without baking is warned about (SageMaker's exclusions)
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1, warnings
        assert warnings[0].startswith("Classifier: ") and expected in warnings[0]
