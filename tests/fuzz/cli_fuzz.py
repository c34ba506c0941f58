"""Inputs for the command-line fuzz (issue 22: no traceback, ever; exit statuses 0, 1 or 2).

Each command gets a stream of argument lists built from a seeded generator:

* **files that are not templates**: empty, binary, a CDK app in TypeScript, ``cdk.json``, a parameters
  file, ``samconfig.toml``, a list, a scalar, a directory, a missing path, text that is not UTF-8;
* **mutated templates**: the repository's templates and the public fixtures, each with one to four
  random structural mutations (a key deleted or renamed, a value replaced by another type, an
  intrinsic function pointing nowhere, an instance type that does not exist) written as YAML or
  JSON, or with random characters inserted, deleted or replaced in the text;
* **bad flags**: unknown options, options without their value, values of the wrong shape, repeated
  or conflicting options;
* **bad parameter files** (``plan --parameters``): random JSON shapes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sagemaker_rollout_tools import cfn_yaml

__all__ = ["Fuzz"]

REPO = Path(__file__).resolve().parents[2]  # tests/fuzz -> the repository
_SOURCES = sorted(
    [
        *(REPO / "templates").glob("*.yaml"),
        *(REPO / "tests" / "fixtures" / "public").glob("*.yaml"),
        *(REPO / "tests" / "fixtures" / "public").glob("*.json"),
        *(p for p in (REPO / "tests" / "fixtures" / "migrate").iterdir() if p.suffix in (".yaml", ".json")),
        REPO / "src" / "sagemaker_rollout_testing" / "demo" / "example.yaml",
    ]
)
_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**12,
    "",
    "x",
    "ml.m5.huge",
    "AWS::SageMaker::Endpoint",
    "Custom::SageMakerEndpoint",
    "${Nope}",
    [],
    {},
    ["a", 1],
    {"a": {"b": []}},
    {"Ref": "Nope"},
    {"Ref": "AWS::AccountId"},
    {"Fn::GetAtt": ["Nope", "X"]},
    {"Fn::GetAtt": "Nope"},
    {"Fn::Sub": "${Nope.Attr}-${AWS::StackName}"},
    {"Fn::If": ["NoSuchCondition", 1, 2]},
    {"Fn::Join": ["", [{"Ref": "Nope"}]]},
    {"Fn::Select": [7, []]},
    {"Ref": "AWS::NoValue"},
    "a" * 300,
]
_NOT_TEMPLATES: list[tuple[str, bytes]] = [
    ("empty.yaml", b""),
    ("binary.yaml", bytes(range(256)) * 4),
    ("latin1.yaml", "Description: caf\xe9\n".encode("latin-1")),
    ("app.ts", b'import * as cdk from "aws-cdk-lib";\nconst app = new cdk.App();\n'),
    ("app.py", b"from aws_cdk import App\napp = App()\napp.synth()\n"),
    ("cdk.json", b'{"app": "npx ts-node --prefer-ts-exts bin/app.ts", "context": {}}'),
    ("params.json", b'[{"ParameterKey": "A", "ParameterValue": "b"}]'),
    ("samconfig.toml", b'version = 0.1\n[default.deploy.parameters]\nstack_name = "x"\n'),
    ("list.yaml", b"- a\n- b\n"),
    ("scalar.yaml", b"just text\n"),
    ("nulls.yaml", b"Resources:\n"),
    ("badres.yaml", b"Resources:\n  A: 1\n"),
    ("notype.yaml", b"Resources:\n  A:\n    Properties: {}\n"),
    ("props.yaml", b"Resources:\n  A:\n    Type: AWS::SageMaker::Endpoint\n    Properties: [1]\n"),
    ("tab.yaml", b"Resources:\n\tA: 1\n"),
    ("dup.yaml", b"Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n"),
    ("tag.yaml", b"Resources:\n  A:\n    Type: !Nope x\n"),
    ("deep.json", b"[" * 5000 + b"]" * 5000),
    ("bom.json", "\ufeff{}".encode()),
]


class Fuzz:
    """A seeded source of argument lists for one command, writing its files under ``tmp``."""

    def __init__(self, seed: int, tmp: Path) -> None:
        self.rng = random.Random(seed)
        self.tmp = tmp
        self.count = 0

    # -- files ------------------------------------------------------------------------------------

    def _path(self, suffix: str) -> Path:
        self.count += 1
        return self.tmp / f"f{self.count}{suffix}"

    def not_a_template(self) -> Path:
        choice = self.rng.randrange(len(_NOT_TEMPLATES) + 2)
        if choice == len(_NOT_TEMPLATES):
            return self.tmp  # a directory
        if choice == len(_NOT_TEMPLATES) + 1:
            return self.tmp / "missing" / "template.yaml"
        name, data = _NOT_TEMPLATES[choice]
        path = self._path("-" + name)
        path.write_bytes(data)
        return path

    def _mutate(self, node: Any) -> Any:
        paths: list[tuple[Any, Any]] = []

        def walk(parent: Any) -> None:
            if isinstance(parent, dict):
                for key in list(parent):
                    paths.append((parent, key))
                    walk(parent[key])
            elif isinstance(parent, list):
                for index in range(len(parent)):
                    paths.append((parent, index))
                    walk(parent[index])

        walk(node)
        if not paths:
            return self.rng.choice(_VALUES)
        parent, key = self.rng.choice(paths)
        operation = self.rng.randrange(5)
        if operation == 0 and isinstance(parent, dict):
            del parent[key]
        elif operation == 1 and isinstance(parent, dict):
            parent[f"{key}X"] = parent.pop(key)
        elif operation == 2 and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        else:
            parent[key] = json.loads(json.dumps(self.rng.choice(_VALUES)))
        return node

    def mutated_template(self) -> Path:
        source = self.rng.choice(_SOURCES)
        if self.rng.random() < 0.3:  # characters inserted, deleted or replaced
            text = bytearray(source.read_bytes())
            for _ in range(self.rng.randint(1, 6)):
                position = self.rng.randrange(len(text) + 1)
                operation = self.rng.randrange(3)
                byte = self.rng.choice(b":-[]{}!#|>\"'\t\n x0\x00\xff&*")
                if operation == 0:
                    text.insert(position, byte)
                elif operation == 1 and position < len(text):
                    del text[position]
                elif position < len(text):
                    text[position] = byte
            path = self._path(source.suffix)
            path.write_bytes(bytes(text))
            return path
        data = cfn_yaml.load(source.read_text(encoding="utf-8"))
        for _ in range(self.rng.randint(1, 4)):
            data = self._mutate(data)
        as_json = self.rng.random() < 0.4
        path = self._path(".json" if as_json else ".yaml")
        path.write_text(json.dumps(data, indent=2) if as_json else cfn_yaml.dump(data), encoding="utf-8")
        return path

    def intact_template(self) -> Path:
        return self.rng.choice(_SOURCES)

    def template(self) -> Path:
        roll = self.rng.random()
        if roll < 0.25:
            return self.not_a_template()
        if roll < 0.9:
            return self.mutated_template()
        return self.intact_template()

    def parameters_file(self) -> Path:
        path = self._path(".json")
        shapes: list[Any] = [
            [{"ParameterKey": "A", "ParameterValue": "b"}],
            [{"ParameterKey": 1}],
            [{"ParameterValue": "x"}],
            [{"ParameterKey": "InstanceType", "UsePreviousValue": True}],
            [{"ParameterKey": "InstanceType", "ParameterValue": None}],
            [{"ParameterKey": "InstanceType", "ParameterValue": {"a": 1}}],
            {"Parameters": {"InstanceType": "ml.m5.large"}},
            {"Parameters": []},
            "text",
            [],
            [1, 2],
        ]
        if self.rng.random() < 0.2:
            path.write_bytes(self.rng.choice([b"{not json", b"", b"\xff\xfe", b"[" * 100]))
        else:
            path.write_text(json.dumps(self.rng.choice(shapes)), encoding="utf-8")
        return path

    # -- argument lists --------------------------------------------------------------------------

    def _noise(self) -> list[str]:
        """Bad flags (one input in four): unknown, without their value, malformed."""
        if self.rng.random() < 0.75:
            return []
        return self.rng.choice(
            [
                ["--nope"],
                ["-p"],
                ["-p", "novalue"],
                ["-p", "=x"],
                ["--parameter", "A=1", "--parameter", "A=2"],
                ["--region"],
                ["--region", ""],
                ["--json", "--json"],
                ["extra-positional"],
                ["--", "-x"],
                ["-h"] if self.rng.random() < 0.05 else [],
            ]
        )

    def render(self) -> list[str]:
        args = ["render", str(self.template())]
        if self.rng.random() < 0.2:
            args += ["--service-token", self.rng.choice(["", "arn:aws:lambda:x", "x" * 300])]
        return args + self._noise()

    def lint(self) -> list[str]:
        args = ["lint", str(self.template())]
        if self.rng.random() < 0.2:
            args += ["--region", self.rng.choice(["us-east-1", "xx-nowhere-1", "eu-west-1"])]
        if self.rng.random() < 0.1:
            args += ["--warnings-as-errors"]
        return args + self._noise()

    def plan(self) -> list[str]:
        args = ["plan", str(self.template())]
        if self.rng.random() < 0.85:
            args += ["--offline"]
        if self.rng.random() < 0.3:
            args += ["--parameters", str(self.parameters_file())]
        if self.rng.random() < 0.3:
            args += ["--account", self.rng.choice(["123456789012", "abc", ""])]
        for option, values in (
            ("--endpoint", ["ep", "", "-bad-", "x" * 70]),
            ("--resource", ["Nope", "Endpoint", ""]),
            ("--stack-name", ["demo", ""]),
            ("--config-file", [str(self.tmp / "missing.toml"), str(self.not_a_template())]),
            ("--config-env", ["default", "prod"]),
        ):
            if self.rng.random() < 0.15:
                args += [option, self.rng.choice(values)]
        if self.rng.random() < 0.3:
            args += ["--json"]
        return args + self._noise()

    def demo(self) -> list[str]:
        args = ["demo", "--quiet"]
        roll = self.rng.random()
        if roll < 0.85:
            args += ["--template", str(self.template())]
        elif roll < 0.9:
            args += ["--registry-type", "--template", "x.yaml"]
        if self.rng.random() < 0.15:
            args += ["--resource", self.rng.choice(["Nope", "Endpoint", ""])]
        if self.rng.random() < 0.15:
            args += ["--change", self.rng.choice(["Nope.X=1", "noequals", "=", "InstanceType=ml.m5.huge"])]
        if self.rng.random() < 0.1:
            args += ["--compact"]
        return args + self._noise()

    def migrate(self) -> list[str]:
        args = ["migrate", str(self.template())]
        args += ["--stage", self.rng.choice(["retain", "adopt", "adopt", "move", ""])]
        if self.rng.random() < 0.7:
            args += ["--no-check"]
        if self.rng.random() < 0.3:
            args += ["--compact"]
        if self.rng.random() < 0.3:
            args += ["--force"]
        if self.rng.random() < 0.2:
            args += [
                "--endpoint-name",
                self.rng.choice(["Endpoint=abc", "Endpoint=", "x", "Endpoint=arn:aws:x"]),
            ]
        if self.rng.random() < 0.2:
            args += [
                "-o",
                self.rng.choice([str(self._path(".out")), str(self.tmp), str(self.tmp / "no" / "dir")]),
            ]
        return args + self._noise()

    def history(self) -> list[str]:
        args = ["history"]
        if self.rng.random() < 0.9:
            args += ["--endpoint", self.rng.choice(["ep", "", "x" * 300])]
        if self.rng.random() < 0.5:
            args += [self.rng.choice(["--table", "--stack-name"]), self.rng.choice(["t", ""])]
        if self.rng.random() < 0.5:
            args += ["--region", self.rng.choice(["us-east-1", "xx-nowhere-1"])]
        if self.rng.random() < 0.1:
            args += ["--table", "a", "--stack-name", "b"]
        return args + self._noise()

    def stream(self, command: str, count: int) -> Iterator[list[str]]:
        make = getattr(self, command)
        for _ in range(count):
            yield make()
