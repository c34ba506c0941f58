"""The migration replayed as CloudFormation runs it (issue 10, "What to build": migrate).

For each public template (tests/fixtures/public) and the plain example of ``migrate``
(tests/fixtures/migrate/endpoint-pair.yaml), in the simulated account and the demo's miniature
CloudFormation (CloudFormation's update rules, ``DeletionPolicy``/``UpdateReplacePolicy: Retain``,
removal of resources absent from a new template in the cleanup phase):

1. the original template is deployed (a plain ``AWS::SageMaker::Endpoint``);
2. ``migrate --stage retain`` is deployed: nothing changes in SageMaker;
3. the endpoint's owner tags it ``sagemaker-rollout:adoptable`` = ``true`` (contract section 8);
4. ``migrate --stage adopt`` (plain and ``--compact``) is deployed: the provider adopts the endpoint
   and CloudFormation removes the retained pair from the stack, leaving it in AWS;
5. an update through the adopted resource rolls out.

Throughout, the endpoint is never deleted or replaced (same ARN and creation time), and adoption
issues no UpdateEndpoint when the content is unchanged (the same models). ``--compact`` absorbs a
model with a generated name into the compact resource, whose macro-made model gets a new name: that
adoption converges the endpoint with exactly one guarded rollout. ``lint`` adds no error to the migrated
outputs that the original does not have.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_public_templates import PARAMETERS, PUBLIC

from sagemaker_rollout_testing.demo import DemoWorld, render, simulated_account
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli import main
from sagemaker_rollout_tools.intrinsics import parameter_values

# The public-templates tier: `make test-slow` (CI runs it after `make test`). cfn-lint's rules
# (``lint`` and ``migrate``'s own check lint every output) and botocore's data (every simulated
# account) are loaded once a worker (tests/conftest.py).
pytestmark = [pytest.mark.templates, pytest.mark.usefixtures("shared_cfnlint_rules", "shared_botocore_data")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEMPLATES: dict[str, tuple[Path, dict[str, str]]] = {
    **{name: (PUBLIC / name, values) for name, values in PARAMETERS.items()},
    "endpoint-pair.yaml": (FIXTURES / "migrate" / "endpoint-pair.yaml", {}),
}
NATIVE = "AWS::SageMaker::Endpoint"
CUSTOM = "Custom::SageMakerEndpoint"
ADOPTABLE = {"Key": "sagemaker-rollout:adoptable", "Value": "true"}


def load(path: Path) -> dict[str, Any]:
    data = cfn_yaml.load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def deploy(world: DemoWorld, path: Path, given: dict[str, str]) -> tuple[dict[str, Any], Any]:
    """Render ``path`` as CloudFormation would and deploy it on the stack."""
    source = load(path)
    values = parameter_values(source, given)
    rendered = render(source, values)
    return rendered, world.stack.deploy(rendered, values)


def of_type(world: DemoWorld, kind: str) -> list[str]:
    return [lid for lid, d in world.stack.resources.items() if d.type == kind]


def endpoint_identity(world: DemoWorld, name: str) -> tuple[str, Any, str]:
    described = world.client("sagemaker").describe_endpoint(EndpointName=name)
    assert described["EndpointStatus"] == "InService", described
    return described["EndpointArn"], described["CreationTime"], described["EndpointConfigName"]


def models_of(world: DemoWorld, config: str) -> set[str]:
    described = world.client("sagemaker").describe_endpoint_config(EndpointConfigName=config)
    return {v["ModelName"] for v in described["ProductionVariants"]}


def unnamed_endpoints(path: Path) -> list[str]:
    """Plain endpoints whose name CloudFormation generates (``migrate --stage adopt`` needs it)."""
    resources = load(path).get("Resources") or {}
    return [
        lid
        for lid, res in resources.items()
        if res.get("Type") == NATIVE and "EndpointName" not in (res.get("Properties") or {})
    ]


def migrate(source: Path, out: Path, stage: str, compact: bool, names: dict[str, str]) -> None:
    args = ["migrate", str(source), "--stage", stage, "-o", str(out)]
    args += ["--compact"] if compact else []
    for logical_id, name in names.items():
        args += ["--endpoint-name", f"{logical_id}={name}"]
    assert main(args) == 0, f"migrate --stage {stage} of {source.name} failed"


class Migrations:
    """The outputs of ``migrate`` for a template, made once a worker and read by every test.

    The same command on the same file writes the same output, so the four tests of a template and
    form share it: ``retain(name, compact)`` is stage 1 of the template, ``adopt(name, compact,
    names)`` stage 2 of that with the endpoint names given. Each is made (and its exit status
    checked) on first use, into a directory of its own; no test writes to them.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[tuple[Any, ...], Path] = {}

    def _path(self, key: tuple[Any, ...], suffix: str) -> Path:
        directory = self.root / f"m{len(self._made)}"
        directory.mkdir()
        return directory / f"{key[0]}{suffix}"

    def retain(self, name: str, compact: bool) -> Path:
        key = ("retain", name, compact)
        if key not in self._made:
            source = TEMPLATES[name][0]
            out = self._path(key, source.suffix)
            migrate(source, out, "retain", compact, {})
            self._made[key] = out
        return self._made[key]

    def adopt(self, name: str, compact: bool, names: dict[str, str]) -> Path:
        key = ("adopt", name, compact, tuple(sorted(names.items())))
        if key not in self._made:
            retained = self.retain(name, compact)
            out = self._path(key, retained.suffix)
            migrate(retained, out, "adopt", compact, names)
            self._made[key] = out
        return self._made[key]


@pytest.fixture(scope="module")
def migrations(tmp_path_factory: pytest.TempPathFactory) -> Migrations:
    return Migrations(tmp_path_factory.mktemp("migrations"))


@pytest.mark.parametrize("compact", [False, True], ids=["plain", "compact"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_migration_never_deletes_or_replaces_the_endpoint(
    name: str, compact: bool, migrations: Migrations
) -> None:
    source, given = TEMPLATES[name]
    retain_path = migrations.retain(name, compact)
    with simulated_account("migration-replay") as world:
        # GIVEN the original stack, with its plain endpoint InService
        _, outcome = deploy(world, source, given)
        assert outcome.ok, outcome.reason
        (endpoint_id,) = of_type(world, NATIVE)
        endpoint = world.stack.resources[endpoint_id].physical_id
        arn, created, config = endpoint_identity(world, endpoint)
        calls = Counter(world.sim.calls)

        # WHEN stage 1 (retain) is deployed
        _, outcome = deploy(world, retain_path, given)
        # THEN nothing happens to the endpoint
        assert outcome.ok, outcome.reason
        assert world.stack.resources[endpoint_id].deletion_policy == "Retain"
        assert endpoint_identity(world, endpoint) == (arn, created, config)
        assert world.sim.calls["UpdateEndpoint"] == calls["UpdateEndpoint"]

        # WHEN the owner consents and stage 2 (adopt) is deployed
        world.client("sagemaker").add_tags(ResourceArn=arn, Tags=[ADOPTABLE])
        outputs = world.stack.outputs()
        names = {lid: outputs[f"{lid}EndpointName"] for lid in unnamed_endpoints(retain_path)}
        adopt_path = migrations.adopt(name, compact, names)
        adopted_template, outcome = deploy(world, adopt_path, given)
        # THEN the provider adopts the endpoint, the retained pair leaves the stack but not AWS
        assert outcome.ok, outcome.reason
        (adopted_id,) = of_type(world, CUSTOM)
        response = outcome.responses[adopted_id]
        assert response.status == "SUCCESS", response.reason
        assert response.physical_resource_id == endpoint
        assert not of_type(world, NATIVE) and not of_type(world, "AWS::SageMaker::EndpointConfig")
        assert world.sim.calls["DeleteEndpoint"] == calls["DeleteEndpoint"] == 0
        assert world.sim.calls["CreateEndpoint"] == calls["CreateEndpoint"] == 1
        running = models_of(world, config)
        requested = {
            v["ModelName"] for v in world.stack.resources[adopted_id].properties["ProductionVariants"]
        }
        if requested == running:
            # the same content: no rollout, the endpoint keeps its original config
            assert world.sim.calls["UpdateEndpoint"] == calls["UpdateEndpoint"]
            assert endpoint_identity(world, endpoint) == (arn, created, config)
        else:
            # --compact absorbed a model with a generated name: the macro's model has a new name,
            # so adoption converges the endpoint to it with one guarded rollout (same endpoint)
            assert compact, f"plain adoption changed the models {running} -> {requested}"
            assert world.sim.calls["UpdateEndpoint"] == calls["UpdateEndpoint"] + 1
            assert endpoint_identity(world, endpoint)[:2] == (arn, created)
            calls["UpdateEndpoint"] += 1
            config = endpoint_identity(world, endpoint)[2]

        # WHEN an update goes through the adopted resource (a bigger instance type)
        updated = copy.deepcopy(adopted_template)
        variant = updated["Resources"][adopted_id]["Properties"]["ProductionVariants"][0]
        if "ServerlessConfig" in variant:  # a serverless variant: more memory
            variant["ServerlessConfig"] = {**variant["ServerlessConfig"], "MemorySizeInMB": 3072}
        else:
            variant["InstanceType"] = (
                "ml.m5.4xlarge" if variant.get("InstanceType") != "ml.m5.4xlarge" else "ml.m5.2xlarge"
            )
        values = parameter_values(load(adopt_path), given)
        outcome = world.stack.deploy(updated, values)
        # THEN it rolls out on the same endpoint
        assert outcome.ok, outcome.reason
        assert outcome.responses[adopted_id].status == "SUCCESS", outcome.responses[adopted_id].reason
        assert world.sim.calls["UpdateEndpoint"] == calls["UpdateEndpoint"] + 1
        new_arn, new_created, new_config = endpoint_identity(world, endpoint)
        assert (new_arn, new_created) == (arn, created) and new_config != config
        assert world.sim.calls["DeleteEndpoint"] == 0


def lint_errors(path: Path, given: dict[str, str], capsys: pytest.CaptureFixture[str]) -> Counter[str]:
    """The rule ids of the errors ``sagemaker-rollout lint`` reports."""
    args = ["lint", str(path)]
    for key, value in given.items():
        args += ["--parameter", f"{key}={value}"]
    capsys.readouterr()
    main(args)
    out = capsys.readouterr().out
    return Counter(m.group(1) for m in re.finditer(r"^ERROR (\w+) ", out, re.MULTILINE))


@pytest.fixture(scope="module")
def original_lint_errors() -> dict[str, Counter[str]]:
    """The original templates' lint errors by name, filled by the first test of each (both forms)."""
    return {}


def adopt_offline(migrations: Migrations, name: str, compact: bool) -> tuple[Path, Path]:
    """Stage 1 and stage 2 of a template, the endpoints' names as a stack output would give them."""
    retain_path = migrations.retain(name, compact)
    names = {lid: "endpoint-from-the-stack-output" for lid in unnamed_endpoints(retain_path)}
    return retain_path, migrations.adopt(name, compact, names)


@pytest.mark.parametrize("compact", [False, True], ids=["plain", "compact"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_migrated_outputs_lint_without_new_errors(
    name: str,
    compact: bool,
    migrations: Migrations,
    original_lint_errors: dict[str, Counter[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    source, given = TEMPLATES[name]
    retain_path, adopt_path = adopt_offline(migrations, name, compact)
    if name not in original_lint_errors:
        original_lint_errors[name] = lint_errors(source, given, capsys)
    original = original_lint_errors[name]
    # THEN neither stage adds an error the original template does not have, and neither has E9103
    # (a ResourceId built from the config's name: issue 22, point 1)
    for path in (retain_path, adopt_path):
        errors = lint_errors(path, given, capsys)
        added = errors - original
        assert not added, f"{path.name} of {name}: new lint errors {dict(added)}"
        assert "E9103" not in errors, f"{path.name} of {name}: E9103"


@pytest.mark.parametrize("compact", [False, True], ids=["plain", "compact"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_migrated_outputs_plan_offline(
    name: str, compact: bool, migrations: Migrations, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the adopt stage of a public template WHEN planned offline (no AWS account)
    _, given = TEMPLATES[name]
    _, adopt_path = adopt_offline(migrations, name, compact)
    (adopted_id,) = [
        lid
        for lid, res in load(adopt_path)["Resources"].items()
        if res.get("Type") in (CUSTOM, "SageMakerRollout::Endpoint")
    ]
    args = ["plan", str(adopt_path), "--offline", "--account", "123456789012", "--region", "us-east-1"]
    args += ["--resource", adopted_id, "--stack-name", "demo"]
    for key, value in given.items():
        args += ["--parameter", f"{key}={value}"]
    capsys.readouterr()
    status = main(args)
    captured = capsys.readouterr()
    # THEN the provider accepts the adopting resource, and the plan says what it could not check
    assert status == 0, captured.err
    assert "the provider accepts these properties" in captured.out
    assert "Not checked offline" in captured.out


@pytest.mark.parametrize(
    ("stage", "compact"),
    [("retain", False), ("adopt", False), ("adopt", True)],
    ids=["retain", "adopt", "compact"],
)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_migrated_outputs_play_clean_in_the_demo(
    name: str, stage: str, compact: bool, migrations: Migrations, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template after the migration's stage
    _, given = TEMPLATES[name]
    played = (
        migrations.retain(name, compact) if stage == "retain" else adopt_offline(migrations, name, compact)[1]
    )
    args = ["demo", "--template", str(played), "--quiet"]
    for key, value in given.items():
        args += ["--parameter", f"{key}={value}"]
    capsys.readouterr()
    # WHEN the demo plays it THEN every step behaves as told (or is not playable, with the reason)
    status = main(args)
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    if stage == "retain":  # a plain endpoint still: the demo plays its migration (again idempotent)
        assert "Step 2/6  stage 1: retain" in out and "Step 3/6  stage 2: adopt" in out
