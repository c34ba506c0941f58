"""Templates for the migration's comment fuzz: comments at every position of a real shape.

The shape is the one of issue 22, point 2: a model whose ``Environment: !If`` is a block list of
flow mappings, each followed by an end-of-line comment (the last one empty, as a CPU branch writes
it), before an endpoint pair whose config is removed by the adopt stage, and an autoscaling
target whose ``ResourceId`` is built from the config's name (point 1).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

__all__ = ["BASE", "MARKER", "REMOVED_LINES", "every_position", "random_variants"]

BASE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: The comment fuzz's template
Conditions:
  IsGpu: !Equals [!Ref "AWS::Region", us-west-2]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sagemaker.amazonaws.com}
            Action: sts:AssumeRole
  Model:
    Type: AWS::SageMaker::Model
    Properties:
      ExecutionRoleArn: !GetAtt Role.Arn
      PrimaryContainer:
        Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1
        Environment: !If
          - IsGpu
          - { HF_MODEL_ID: "/opt/ml/model", SM_NUM_GPUS: "1" } # GPU
          - {} # CPU
  EndpointConfig:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      EndpointConfigName: fuzz-endpoint
      ProductionVariants:
        - VariantName: AllTraffic
          ModelName: !GetAtt Model.ModelName
          InstanceType: ml.m5.large
          InitialInstanceCount: 1
  Endpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointName: fuzz-endpoint
      EndpointConfigName: !GetAtt EndpointConfig.EndpointConfigName
  ScalableTarget:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      MinCapacity: 1
      MaxCapacity: 2
      ResourceId: !Join ['', [endpoint/, !GetAtt EndpointConfig.EndpointConfigName, /variant/AllTraffic]]
      ScalableDimension: sagemaker:variant:DesiredInstanceCount
      ServiceNamespace: sagemaker
Outputs:
  Name:
    Value: !GetAtt Endpoint.EndpointName
"""

#: Comments are ``# m<number>``: the number says which base line they were put on.
MARKER = "# m"

_LINES = BASE.splitlines()
#: Base lines (0-based) whose comments may leave with the adopt stage: the config's own lines
#: (not its ProductionVariants, which move) and the endpoint's.
REMOVED_LINES = frozenset(
    [
        *range(_LINES.index("  EndpointConfig:"), _LINES.index("      ProductionVariants:")),
        *range(_LINES.index("  Endpoint:"), _LINES.index("  ScalableTarget:")),
    ]
)


def _with(insertions: list[tuple[int, str, str]]) -> str:
    """The base with comments: (base line, "full" or "eol", indentation or spacing)."""
    out: list[str] = []
    for number, line in enumerate(_LINES):
        for where, kind, pad in insertions:
            if where == number and kind == "full":
                out.append(f"{pad}{MARKER}{number}")
        text = line
        for where, kind, pad in insertions:
            if where == number and kind == "eol" and "#" not in text:
                text = f"{text}{pad}{MARKER}{number}"
        out.append(text)
    for where, kind, pad in insertions:
        if where == len(_LINES) and kind == "full":
            out.append(f"{pad}{MARKER}{where}")
    return "\n".join(out) + "\n"


def every_position() -> Iterator[str]:
    """A full-line comment before each line (at its indentation and at column 0), and an
    end-of-line comment after each line: one comment a template."""
    for number, line in enumerate([*_LINES, ""]):
        indent = " " * (len(line) - len(line.lstrip()))
        yield _with([(number, "full", indent)])
        yield _with([(number, "full", "")])
        if number < len(_LINES):
            yield _with([(number, "eol", " ")])


def random_variants(seed: int, count: int) -> Iterator[str]:
    """``count`` templates with 1-30 comments (and blank lines) in random places."""
    rng = random.Random(seed)
    for _ in range(count):
        insertions = []
        for _ in range(rng.randint(1, 30)):
            number = rng.randrange(len(_LINES) + 1)
            if rng.random() < 0.5 and number < len(_LINES):
                insertions.append((number, "eol", " " * rng.randint(1, 4)))
            else:
                insertions.append((number, "full", " " * rng.randint(0, 12)))
        text = _with(insertions)
        if rng.random() < 0.3:
            lines = text.splitlines()
            lines.insert(rng.randrange(len(lines)), "")
            text = "\n".join(lines) + "\n"
        yield text
