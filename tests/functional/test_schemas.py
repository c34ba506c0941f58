"""Generated JSON Schemas (``schemas/*.json``): current, valid, and in agreement with the code.

The committed files must equal the generator's output; the schemas must accept every endpoint of
the example templates (raw and rendered) and reject what the provider or the macro refuses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from documents import with_value

from sagemaker_rollout.macro import MacroError, expand_endpoint, expand_template
from sagemaker_rollout.macro.schema import CONTAINER_KEYS, OBJECTS
from sagemaker_rollout.macro.schema import ENDPOINT as ENDPOINT_SCHEMA
from sagemaker_rollout.macro.targets import TARGET_KINDS
from sagemaker_rollout.spec import PropertyError, validate_endpoint_properties
from sagemaker_rollout.spec.endpoint import allowed_keys
from sagemaker_rollout_tools import cfn_yaml, compact_docs, schemas_gen

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider"
EXAMPLES = sorted((REPO / "templates").glob("*.yaml"))
READ_ONLY = {"EndpointArn", "EndpointConfigName"}


def _validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def _resources(resource_type: str, *, rendered: bool) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in EXAMPLES:
        template = cfn_yaml.load(path.read_text(encoding="utf-8"))
        if rendered:
            template = expand_template(template, service_token=TOKEN, parameters={})
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == resource_type:
                found.append((f"{path.name}:{logical_id}", resource["Properties"]))
    return found


ENDPOINT: dict[str, Any] = {
    "ServiceToken": TOKEN,
    "ProductionVariants": [
        {"VariantName": "a", "ModelName": "m", "InstanceType": "ml.c5.xlarge", "InitialInstanceCount": 2}
    ],
}
COMPACT: dict[str, Any] = {
    "Variants": [{"Name": "a", "ModelName": "m", "InstanceType": "ml.c5.xlarge", "InstanceCount": 2}]
}


# -------------------------------------------------------------------------------- generation --
def test_schemas_committed_files_equal_generated_output() -> None:
    # GIVEN the generator WHEN it renders THEN the committed files are byte for byte its output
    for name, content in schemas_gen.render().items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == content, (
            f"schemas/{name} is stale: run python -m sagemaker_rollout_tools.schemas_gen --write"
        )
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(schemas_gen.render())


def test_schemas_check_fails_on_stale_directory_and_write_fixes_it(tmp_path: Path) -> None:
    # GIVEN an empty directory, then one with a stale file
    assert schemas_gen.main(["--check", "--dir", str(tmp_path)]) == 1
    # WHEN the schemas are written THEN --check passes
    assert schemas_gen.main(["--write", "--dir", str(tmp_path)]) == 0
    assert schemas_gen.main(["--check", "--dir", str(tmp_path)]) == 0
    # AND a hand edit makes it fail again
    (tmp_path / schemas_gen.COMPACT_FILE).write_text("{}\n", encoding="utf-8")
    assert schemas_gen.main(["--check", "--dir", str(tmp_path)]) == 1


@pytest.mark.parametrize("name", [schemas_gen.ENDPOINT_FILE, schemas_gen.COMPACT_FILE])
def test_schemas_are_valid_draft7_registry_schemas(name: str) -> None:
    # GIVEN a generated schema WHEN checked against the draft-7 meta-schema THEN it is valid
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    # AND it has what a CloudFormation registry schema needs
    assert schema["typeName"] in ("Custom::SageMakerEndpoint", "SageMakerRollout::Endpoint")
    assert schema["additionalProperties"] is False
    assert {p.split("/")[-1] for p in schema["readOnlyProperties"]} == READ_ONLY


def test_schemas_endpoint_keys_are_exactly_the_provider_keys() -> None:
    # GIVEN the custom resource schema
    properties = json.loads((SCHEMAS / schemas_gen.ENDPOINT_FILE).read_text(encoding="utf-8"))["properties"]
    # WHEN its writable keys are compared with what the provider accepts THEN they are the same
    assert set(properties) - READ_ONLY == set(allowed_keys())


def test_schemas_compact_keys_are_exactly_the_macro_schema_keys() -> None:
    # GIVEN the compact schema file and the macro's declarative schema
    schema = json.loads((SCHEMAS / schemas_gen.COMPACT_FILE).read_text(encoding="utf-8"))
    # WHEN their keys are compared THEN every object has the same keys, in the same order
    assert list(schema["properties"])[: len(ENDPOINT_SCHEMA.keys)] == list(ENDPOINT_SCHEMA.keys)
    for name, obj in OBJECTS.items():
        if name == "Properties":
            continue
        definition = schema["definitions"][name]
        definition = definition["anyOf"][0] if "anyOf" in definition else definition
        assert list(definition["properties"]) == list(obj.keys), name
    assert list(schema["definitions"]["Container"]["properties"]) == list(CONTAINER_KEYS)


@pytest.mark.parametrize(
    ("strategy", "timeout", "accepted"),
    [("Rolling", 14400, True), ("Rolling", 14401, False), ("Canary", 28800, True), ("Canary", 28801, False)],
)
def test_schemas_and_macro_agree_on_the_execution_timeout_per_strategy(
    strategy: str, timeout: int, accepted: bool
) -> None:
    """GIVEN MaximumExecutionTimeoutSeconds near its limits (RollingUpdatePolicy 600-14400,
    BlueGreenUpdatePolicy 600-28800) WHEN the macro and the JSON Schema read it THEN both agree."""
    deployment = {"Strategy": strategy, "MaximumExecutionTimeoutSeconds": timeout}
    if strategy == "Canary":
        deployment["CanarySize"] = "10%"
    properties = {**COMPACT, "Deployment": deployment, "Provider": "RegistryType"}
    schema_errors = list(_validator(schemas_gen.COMPACT_FILE).iter_errors(properties))
    try:
        expand_endpoint(
            "C", {"Type": "SageMakerRollout::Endpoint", "Properties": properties}, service_token=TOKEN
        )
        macro_accepts = True
    except MacroError as err:
        assert "MaximumExecutionTimeoutSeconds" in str(err)
        macro_accepts = False
    assert (macro_accepts, schema_errors == []) == (accepted, accepted)


def test_schemas_docs_check_fails_on_a_stale_property_table(tmp_path: Path) -> None:
    # GIVEN a copy of the README and the reference whose generated tables were hand-edited
    (tmp_path / "docs").mkdir()
    for name in compact_docs.DOCS:
        (tmp_path / name).write_text((REPO / name).read_text(encoding="utf-8"), encoding="utf-8")
    schemas = ["--dir", str(SCHEMAS), "--docs-root", str(tmp_path)]
    assert schemas_gen.main(["--check", *schemas]) == 0
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("| `MaxCapacity` |", "| `MaxCap` |"))
    # WHEN checked THEN it fails, and --write restores the generated table
    assert schemas_gen.main(["--check", *schemas]) == 1
    assert schemas_gen.main(["--write", *schemas]) == 0
    assert readme.read_text(encoding="utf-8") == (REPO / "README.md").read_text(encoding="utf-8")


def test_schemas_docs_tables_name_every_target_kind_and_its_dimension() -> None:
    # GIVEN the generated reference WHEN read THEN each registry target kind is a row with its dimension
    reference = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    for key, kind in TARGET_KINDS.items():
        row = next(line for line in reference.splitlines() if line.startswith(f"| `{key}` |"))
        assert kind.dimension in row and kind.variants in row


# ---------------------------------------------------------------------------------- accepting --
@pytest.mark.parametrize(
    "where, properties",
    _resources("Custom::SageMakerEndpoint", rendered=True),
    ids=[w for w, _ in _resources("Custom::SageMakerEndpoint", rendered=True)],
)
def test_schemas_endpoint_accepts_example_endpoints(where: str, properties: dict[str, Any]) -> None:
    # GIVEN an endpoint of an example template (plain, or generated by the macro)
    # WHEN validated THEN the schema accepts it, as the provider does
    errors = [e.message for e in _validator(schemas_gen.ENDPOINT_FILE).iter_errors(properties)]
    assert errors == [], where
    validate_endpoint_properties(properties)


@pytest.mark.parametrize(
    "where, properties",
    _resources("SageMakerRollout::Endpoint", rendered=False),
    ids=[w for w, _ in _resources("SageMakerRollout::Endpoint", rendered=False)],
)
def test_schemas_compact_accepts_example_compact_endpoints(where: str, properties: dict[str, Any]) -> None:
    errors = [e.message for e in _validator(schemas_gen.COMPACT_FILE).iter_errors(properties)]
    assert errors == [], where


def test_schemas_accept_cloudformation_strings_for_numbers_and_booleans() -> None:
    # GIVEN numbers and booleans as CloudFormation delivers them
    endpoint = with_value(ENDPOINT, "ProductionVariants.0.InitialInstanceCount", "2")
    endpoint = with_value(endpoint, "RetainAllVariantProperties", "true")
    endpoint = with_value(endpoint, "ServiceTimeout", "1800")
    compact = with_value(COMPACT, "Variants.0.InstanceCount", "2")
    compact = with_value(compact, "Dashboard", "false")
    # WHEN validated THEN both schemas accept them (the provider and the macro do too)
    assert list(_validator(schemas_gen.ENDPOINT_FILE).iter_errors(endpoint)) == []
    assert list(_validator(schemas_gen.COMPACT_FILE).iter_errors(compact)) == []
    validate_endpoint_properties(endpoint)
    expand_endpoint("C", {"Type": "SageMakerRollout::Endpoint", "Properties": compact}, service_token=TOKEN)


# ---------------------------------------------------------------------------------- rejecting --
BAD_ENDPOINTS = [
    ("unknown property", "Colour", "blue"),
    ("count not a number", "ProductionVariants.0.InitialInstanceCount", "two"),
    ("bad boolean", "RetainAllVariantProperties", "maybe"),
    ("too many variants", "ProductionVariants", [ENDPOINT["ProductionVariants"][0]] * 11),
    ("service timeout", "ServiceTimeout", 99999),
    ("bad endpoint name", "EndpointName", "bad_name!"),
]


@pytest.mark.parametrize(("case", "path", "value"), BAD_ENDPOINTS, ids=[c[0] for c in BAD_ENDPOINTS])
def test_schemas_endpoint_rejects_what_the_provider_refuses(case: str, path: str, value: Any) -> None:
    # GIVEN properties the provider refuses
    properties = with_value(ENDPOINT, path, value)
    with pytest.raises(PropertyError):
        validate_endpoint_properties(properties)
    # WHEN validated against the schema THEN it rejects them too
    assert list(_validator(schemas_gen.ENDPOINT_FILE).iter_errors(properties)) != []


def test_schemas_endpoint_requires_service_token_and_variants() -> None:
    errors = {e.message for e in _validator(schemas_gen.ENDPOINT_FILE).iter_errors({})}
    assert errors == {"'ServiceToken' is a required property", "'ProductionVariants' is a required property"}


BAD_COMPACT = [
    ("unknown key", "Variants.0.Colour", "blue"),
    ("bad strategy", "Deployment", {"Strategy": "Sideways"}),
    ("negative min capacity", "Variants.0.AutoScaling", {"MinCapacity": -1, "MaxCapacity": 2}),
    (
        "serverless memory",
        "Variants.0",
        {"Name": "a", "ModelName": "m", "Serverless": {"MemorySizeInMB": 1000, "MaxConcurrency": 1}},
    ),
    ("unknown alarm metric", "Variants.0.Alarms", {"Latency": 5}),
    ("canary size text", "Deployment", {"Strategy": "Canary", "CanarySize": "ten"}),
]


@pytest.mark.parametrize(("case", "path", "value"), BAD_COMPACT, ids=[c[0] for c in BAD_COMPACT])
def test_schemas_compact_rejects_what_the_macro_refuses(case: str, path: str, value: Any) -> None:
    # GIVEN compact properties the macro refuses
    properties = with_value(COMPACT, path, value)
    with pytest.raises(MacroError):
        expand_endpoint(
            "C", {"Type": "SageMakerRollout::Endpoint", "Properties": properties}, service_token=TOKEN
        )
    # WHEN validated against the schema THEN it rejects them too
    assert list(_validator(schemas_gen.COMPACT_FILE).iter_errors(properties)) != []


def test_schemas_intrinsics_accepted_anywhere_but_not_lookalikes() -> None:
    # GIVEN intrinsic functions at several depths, and a two-key "intrinsic"
    good = with_value(ENDPOINT, "ProductionVariants.0.ModelName", {"Fn::GetAtt": ["Model", "ModelName"]})
    good = with_value(good, "ProductionVariants.0.InitialInstanceCount", {"Ref": "Count"})
    good = with_value(
        good, "DeploymentConfig", {"Fn::If": ["Prod", {"BlueGreenUpdatePolicy": {}}, {"Ref": "AWS::NoValue"}]}
    )
    bad = with_value(ENDPOINT, "ProductionVariants.0.InitialInstanceCount", {"Ref": "Count", "Extra": 1})
    # WHEN validated THEN intrinsics pass and the lookalike does not
    assert list(_validator(schemas_gen.ENDPOINT_FILE).iter_errors(good)) == []
    assert list(_validator(schemas_gen.ENDPOINT_FILE).iter_errors(bad)) != []


# -------------------------------------------------------------------------------- with cfn-lint --
def test_schemas_as_cfn_lint_registry_schemas_make_the_compact_type_known() -> None:
    # GIVEN a raw template using the compact type, and cfn-lint's command line (in its own process:
    # cfn-lint keeps registry schemas in a process-wide manager)
    template = str(REPO / "templates" / "canary-with-alarms.yaml")
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO / "layers"), str(REPO / "src")))}

    def run(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cfn_lint, template, *options], env=env, capture_output=True, text=True, check=False
        )

    # WHEN it runs without and with the schemas directory (-s / --registry-schemas) and the rules
    without = run()
    with_schemas = run("-s", str(SCHEMAS), "-a", str(REPO / "src" / "sagemaker_rollout_tools" / "lint_rules"))
    # THEN the unknown-type error disappears and nothing else is reported
    assert "E3006" in without.stdout and without.returncode != 0
    assert (with_schemas.returncode, with_schemas.stdout) == (0, "")
