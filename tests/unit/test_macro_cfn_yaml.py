"""CloudFormation YAML: short-form tags to long form, strings stay strings, deterministic dump."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_rollout_tools import cfn_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!Ref Bucket", {"Ref": "Bucket"}),
        ("!GetAtt Role.Arn", {"Fn::GetAtt": ["Role", "Arn"]}),
        ("!GetAtt [Role, Arn]", {"Fn::GetAtt": ["Role", "Arn"]}),
        ("!Sub 'arn:${AWS::Partition}:s3:::${B}'", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}"}),
        ("!Join ['-', [a, !Ref B]]", {"Fn::Join": ["-", ["a", {"Ref": "B"}]]}),
        ("!If [C, !Ref A, !Ref 'AWS::NoValue']", {"Fn::If": ["C", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!ImportValue x-Arn", {"Fn::ImportValue": "x-Arn"}),
        ("!Equals [!Ref E, prod]", {"Fn::Equals": [{"Ref": "E"}, "prod"]}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!Base64 {'Fn::Sub': x}", {"Fn::Base64": {"Fn::Sub": "x"}}),
        ("2010-09-09", "2010-09-09"),
    ],
)
def test_load_short_form_becomes_long_form(text: str, expected: Any) -> None:
    # GIVEN CloudFormation YAML with a short-form tag
    # WHEN loading it
    # THEN the long form comes out (and dates stay strings)
    assert cfn_yaml.load(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("!Bogus x", "unknown tag !Bogus"),
        ("!GetAtt NoDot", "LogicalId.Attribute"),
        ("a: [1,\n", "expected"),
    ],
)
def test_load_invalid_text_raises_cfn_yaml_error(text: str, fragment: str) -> None:
    # GIVEN invalid CloudFormation YAML
    # WHEN loading it
    with pytest.raises(cfn_yaml.CfnYamlError) as caught:
        cfn_yaml.load(text)
    # THEN the error says why
    assert fragment in str(caught.value)


def test_dump_round_trips_and_writes_no_aliases() -> None:
    # GIVEN data sharing one object twice and a multi-line string
    shared = [{"Key": "a", "Value": "b"}]
    data = {"Z": shared, "A": shared, "Script": "line1\nline2\n", "Date": "2010-09-09"}
    # WHEN dumping and loading again
    text = cfn_yaml.dump(data)
    # THEN key order is kept, no anchors are written, and the data survives
    assert "&id" not in text and "*id" not in text
    assert text.index("Z:") < text.index("A:")
    assert cfn_yaml.load(text) == data
    assert cfn_yaml.dump(cfn_yaml.load(text)) == text
