"""Functional tests of the provider stack template (template.yaml) and its packaging.

The template is read with cfn-lint's decoder (it understands the short-form intrinsic tags) and,
where the SAM expansion matters, translated with the SAM translator that ``sam build`` and
CloudFormation use. The ``slow`` tests run the real ``sam build`` and ``sam validate --lint``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builds import SamBuild, sam, sam_env
from cfnlint.decode import cfn_yaml
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO / "template.yaml"
VENV_BIN = Path(sys.executable).parent

Statement = dict[str, Any]
#: SageMaker List* actions have no resource-level permissions (only ListTags has): granted on "*".
SAGEMAKER_LIST_ONLY = {"sagemaker:ListEndpointConfigs", "sagemaker:ListEndpoints"}


# ------------------------------------------------------------------------------------- helpers --
def _plain(node: Any) -> Any:
    """Return the decoded template as plain dicts / lists / strings (no cfn-lint node classes)."""
    return json.loads(json.dumps(node, default=str))


def _package_version() -> str:
    """Read ``__version__`` from the package without importing it (no dependency on its imports)."""
    source = (REPO / "layers" / "sagemaker_rollout" / "__version__.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            assert isinstance(node.value, ast.Constant)
            return str(node.value.value)
    raise AssertionError("layers/sagemaker_rollout/__version__.py defines no __version__")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(template: dict[str, Any]) -> Iterator[tuple[str, Statement]]:
    """Yield (resource id, statement) for every identity-policy statement in the template."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield logical_id, statement
        elif resource["Type"] in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy"):
            for statement in props["PolicyDocument"]["Statement"]:
                yield logical_id, statement


def _statements_of(template: dict[str, Any], role: str) -> list[Statement]:
    """Statements that apply to ``role``: its inline policies and RolePolicies attached to it."""
    result = []
    for logical_id, statement in _role_statements(template):
        resource = template["Resources"][logical_id]
        if logical_id == role or resource["Properties"].get("RoleName") == {"Ref": role}:
            result.append(statement)
    return result


def _actions(statement: Statement) -> list[str]:
    return [str(a) for a in _as_list(statement["Action"])]


def _sam_translate(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Expand the SAM template into plain CloudFormation with the SAM translator (offline)."""
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    document = json.loads(json.dumps(template))
    for resource in document["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/artifact.zip"

    class _NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    expanded: dict[str, Any] = transform(document, {}, _NoManagedPolicies())  # type: ignore[arg-type,unused-ignore]
    return expanded


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded: dict[str, Any] = _plain(cfn_yaml.load(str(TEMPLATE_PATH)))
    return decoded


# ------------------------------------------------------------------------ contract (section 3) --
def test_template_contract_resources_present_with_their_types(template: dict[str, Any]) -> None:
    # GIVEN the provider stack template
    resources = template["Resources"]
    # WHEN the contract's resources are looked up
    # THEN each exists with the expected type
    expected = {
        "SageMakerRolloutLayer": "AWS::Serverless::LayerVersion",
        "EndpointProviderFunction": "AWS::Serverless::Function",
        "RolloutMacroFunction": "AWS::Serverless::Function",
    }
    for logical_id, type_ in expected.items():
        assert resources[logical_id]["Type"] == type_, logical_id
    macros = [r for r in resources.values() if r["Type"] == "AWS::CloudFormation::Macro"]
    assert len(macros) == 1
    assert macros[0]["Properties"]["Name"] == {"Ref": "MacroName"}
    assert macros[0]["Properties"]["FunctionName"] == {"Fn::GetAtt": ["RolloutMacroFunction", "Arn"]}
    assert template["Parameters"]["MacroName"]["Default"] == "SageMakerRollout"


@pytest.mark.parametrize(
    ("function", "code_uri"),
    [
        ("EndpointProviderFunction", "handlers/endpoint_provider/"),
        ("RolloutMacroFunction", "handlers/rollout_macro/"),
    ],
)
def test_template_function_handler_points_at_thin_entry_point(
    template: dict[str, Any], function: str, code_uri: str
) -> None:
    # GIVEN a function of the stack
    props = template["Resources"][function]["Properties"]
    # WHEN its code location is read
    # THEN it is the handlers/<fn>/app.handler entry point, and that file exists
    assert props["CodeUri"] == code_uri
    assert props["Handler"] == "app.handler"
    assert (REPO / code_uri / "app.py").is_file()


def test_template_layer_builds_with_layers_makefile(template: dict[str, Any]) -> None:
    # GIVEN the shared layer
    layer = template["Resources"]["SageMakerRolloutLayer"]
    # WHEN its build settings are read
    # THEN sam builds it from layers/ with layers/Makefile, for python3.12 on the functions' arch
    assert layer["Properties"]["ContentUri"] == "layers/"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-SageMakerRolloutLayer:" in (REPO / "layers" / "Makefile").read_text(encoding="utf-8")
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    arch = template["Globals"]["Function"]["Architectures"]
    assert layer["Properties"]["CompatibleArchitectures"] == arch
    assert layer["Metadata"]["BuildArchitecture"] == arch[0]


def test_template_outputs_provider_arn_export_and_macro_name(template: dict[str, Any]) -> None:
    # GIVEN the template's outputs
    outputs = template["Outputs"]
    # WHEN the contract outputs are read
    # THEN the provider ARN is exported under <stack>-EndpointProviderArn and MacroName is the parameter
    provider = outputs["EndpointProviderArn"]
    assert provider["Value"] == {"Fn::GetAtt": ["EndpointProviderFunction", "Arn"]}
    assert provider["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-EndpointProviderArn"}
    assert outputs["MacroName"]["Value"] == {"Ref": "MacroName"}


def test_template_macro_function_env_names_provider_arn(template: dict[str, Any]) -> None:
    # GIVEN the macro function
    env = template["Resources"]["RolloutMacroFunction"]["Properties"]["Environment"]["Variables"]
    # WHEN its environment is read
    # THEN it carries the provider's ARN under SAGEMAKER_ROLLOUT_PROVIDER_ARN
    assert env["SAGEMAKER_ROLLOUT_PROVIDER_ARN"] == {"Fn::GetAtt": ["EndpointProviderFunction", "Arn"]}


# -------------------------------------------------------------------------------------- IAM --
def test_template_every_statement_is_readable_allow_with_sid_and_action_list(
    template: dict[str, Any],
) -> None:
    # GIVEN every identity-policy statement in the template
    statements = list(_role_statements(template))
    assert statements
    # WHEN their shape is checked
    # THEN each is an Allow with a unique Sid and an explicit Action list, no wildcard action
    roles = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    for role in roles:
        sids = [s.get("Sid") for s in _statements_of(template, role)]
        assert all(sids) and len(sids) == len(set(sids)), (role, sids)
    for logical_id, statement in statements:
        assert statement["Effect"] == "Allow", (logical_id, statement)
        assert isinstance(statement["Action"], list), (logical_id, statement["Sid"])
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in _actions(statement):
            assert "*" not in action, (logical_id, action)


def test_template_pass_role_only_towards_sagemaker(template: dict[str, Any]) -> None:
    # GIVEN the statements that allow iam:PassRole
    pass_role = [s for _, s in _role_statements(template) if "iam:PassRole" in _actions(s)]
    # WHEN their conditions are read
    # THEN there is one, it holds only PassRole, and it is conditioned on iam:PassedToService=sagemaker
    assert len(pass_role) == 1
    statement = pass_role[0]
    assert _actions(statement) == ["iam:PassRole"]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert statement["Resource"] != "*"


def test_template_simulates_only_the_roles_it_may_pass(template: dict[str, Any]) -> None:
    # GIVEN the statements that allow iam:SimulatePrincipalPolicy
    statements = [s for _, s in _role_statements(template) if "iam:SimulatePrincipalPolicy" in _actions(s)]
    # WHEN they are read
    # THEN there is one, it holds only that read, on the roles of PassableRoleNamePattern (PassRole's)
    assert len(statements) == 1
    (statement,) = statements
    assert _actions(statement) == ["iam:SimulatePrincipalPolicy"]
    (pass_role,) = [s for _, s in _role_statements(template) if "iam:PassRole" in _actions(s)]
    assert statement["Resource"] == pass_role["Resource"]
    assert "PassableRoleNamePattern" in statement["Resource"]["Fn::Sub"]


def test_template_sagemaker_actions_never_on_star_and_narrowed_by_prefix(
    template: dict[str, Any],
) -> None:
    # GIVEN the statements that allow SageMaker actions
    # (List* calls accept no resource ARN: they sit in their own read-only statement on "*")
    sagemaker = [
        s
        for _, s in _role_statements(template)
        if any(a.startswith("sagemaker:") for a in _actions(s)) and set(_actions(s)) != SAGEMAKER_LIST_ONLY
    ]
    assert sagemaker
    for statement in sagemaker:
        resources = _as_list(statement["Resource"])
        # WHEN their resources are read
        # THEN none is "*", and each is an endpoint / endpoint-config ARN under ResourceNamePrefix
        assert "*" not in resources
        for resource in resources:
            pattern = resource["Fn::Sub"]
            assert re.fullmatch(
                r"arn:\$\{AWS::Partition\}:sagemaker:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                r"(endpoint|endpoint-config)/\$\{ResourceNamePrefix\}\*",
                pattern,
            ), pattern
    assert template["Parameters"]["ResourceNamePrefix"]["Default"] == ""


def test_template_provider_role_grants_exactly_the_calls_of_the_design(template: dict[str, Any]) -> None:
    # GIVEN the provider role and the policies attached to it
    statements = _statements_of(template, "EndpointProviderRole")
    # WHEN all allowed actions are collected
    granted = {a for s in statements for a in _actions(s)}
    # THEN they are exactly the SageMaker, autoscaling, alarm, self-invoke, DLQ and observability calls
    assert granted == {
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:ListEndpointConfigs",
        "sagemaker:ListEndpoints",  # no config in use by another endpoint is ever deleted
        "sagemaker:AddTags",
        "sagemaker:DeleteTags",
        "sagemaker:ListTags",
        "sagemaker:UpdateEndpointWeightsAndCapacities",  # Application Auto Scaling's permission validation
        "iam:PassRole",
        "iam:SimulatePrincipalPolicy",  # may the execution role read the brake? (issue 24)
        "kms:CreateGrant",  # SageMaker creates grants for KmsKeyId, only via SageMaker (kms:ViaService)
        "kms:DescribeKey",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScheduledActions",  # the snapshot saves scheduled actions
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:PutScheduledAction",
        "application-autoscaling:DeleteScheduledAction",
        "iam:CreateServiceLinkedRole",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmHistory",
        "cloudwatch:PutMetricAlarm",  # re-point alarms at a restored step-scaling policy
        "cloudwatch:ListTagsForResource",  # ... only the alarms of the request's own stack
        "cloudwatch:DeleteAlarms",  # Application Auto Scaling's validation for target tracking
        "cloudwatch:TagResource",  # the provider's brake alarm, tagged like the endpoint (issue 24)
        "lambda:InvokeFunction",
        "sqs:SendMessage",
        "dynamodb:GetItem",  # the rollout journal (its table only)
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:ReceiveMessage",  # the provider consumes its dead-letter queue
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "cloudformation:DescribeStacks",  # Delete of an adopted endpoint: stack deleted or rolling back?
        "cloudformation:DescribeStackResource",  # CloudFormation confirms a request before it acts
        "cloudformation:DescribeStackEvents",  # ... a cleanup or create-rollback Delete, from the events
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert template["Resources"]["EndpointProviderRole"]["Properties"].get("ManagedPolicyArns") is None


def test_template_star_resource_only_for_actions_without_resource_level_permissions(
    template: dict[str, Any],
) -> None:
    # GIVEN the actions that, per the Service Authorization Reference, accept no resource ARN
    star_only = {
        *SAGEMAKER_LIST_ONLY,
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScheduledActions",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmHistory",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    # WHEN statements with Resource "*" are collected
    for logical_id, statement in _role_statements(template):
        if "*" in _as_list(statement["Resource"]):
            # THEN each grants only such actions
            assert set(_actions(statement)) <= star_only, (logical_id, statement["Sid"])


def test_template_autoscaling_writes_limited_to_sagemaker_variants(template: dict[str, Any]) -> None:
    # GIVEN the statement allowing autoscaling writes
    writes = {
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:PutScheduledAction",
        "application-autoscaling:DeleteScheduledAction",
    }
    statements = [s for _, s in _role_statements(template) if writes & set(_actions(s))]
    # WHEN its scope is read
    # THEN it is scalable-target ARNs conditioned on the sagemaker namespace and variant dimensions
    assert len(statements) == 1
    statement = statements[0]
    assert set(_actions(statement)) == writes
    assert ":scalable-target/*" in statement["Resource"]["Fn::Sub"]
    condition = statement["Condition"]
    assert condition["StringEquals"]["application-autoscaling:service-namespace"] == "sagemaker"
    assert condition["StringEquals"]["application-autoscaling:scalable-dimension"] == [
        "sagemaker:variant:DesiredInstanceCount",
        "sagemaker:variant:DesiredProvisionedConcurrency",
    ]


def test_template_service_linked_role_creation_only_for_sagemaker_autoscaling(
    template: dict[str, Any],
) -> None:
    # GIVEN the statement allowing iam:CreateServiceLinkedRole
    statements = [s for _, s in _role_statements(template) if "iam:CreateServiceLinkedRole" in _actions(s)]
    # WHEN its scope is read
    # THEN it names the SageMaker autoscaling service-linked role and service only
    assert len(statements) == 1
    statement = statements[0]
    service = "sagemaker.application-autoscaling.amazonaws.com"
    assert statement["Condition"] == {"StringEquals": {"iam:AWSServiceName": service}}
    assert f"role/aws-service-role/{service}/" in statement["Resource"]["Fn::Sub"]


def test_template_self_invoke_only_on_provider_arn(template: dict[str, Any]) -> None:
    # GIVEN the statements allowing lambda:InvokeFunction
    invoke = [s for _, s in _role_statements(template) if "lambda:InvokeFunction" in _actions(s)]
    # WHEN their resources are read
    # THEN the only target is the provider function itself
    assert len(invoke) == 1
    assert invoke[0]["Resource"] == {"Fn::GetAtt": ["EndpointProviderFunction", "Arn"]}
    assert not any(r["Type"].startswith("AWS::Events::") for r in template["Resources"].values())


def test_template_macro_role_has_only_logs_and_traces_and_no_lambda_permission(
    template: dict[str, Any],
) -> None:
    # GIVEN the macro function's role
    function = template["Resources"]["RolloutMacroFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["RolloutMacroRole", "Arn"]}
    # WHEN its permissions are collected
    granted = {a for s in _statements_of(template, "RolloutMacroRole") for a in _actions(s)}
    # THEN it may only write its logs and traces, and no resource-based invoke permission exists
    assert granted == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert "Policies" not in function
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]


# ------------------------------------------------------------------------- logs, DLQ, tracing --
@pytest.mark.parametrize(
    ("function", "role", "log_group"),
    [
        ("EndpointProviderFunction", "EndpointProviderRole", "EndpointProviderLogGroup"),
        ("RolloutMacroFunction", "RolloutMacroRole", "RolloutMacroLogGroup"),
    ],
)
def test_template_function_logs_to_own_group_with_retention(
    template: dict[str, Any], function: str, role: str, log_group: str
) -> None:
    # GIVEN a function, its role and its log group
    resources = template["Resources"]
    props = resources[function]["Properties"]
    # WHEN the logging configuration is read
    # THEN the function logs to its own group, whose retention is the LogRetentionInDays parameter,
    # and its role writes to that group only
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": log_group}
    group = resources[log_group]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert template["Parameters"]["LogRetentionInDays"]["Default"] == 30
    log_statements = [
        s for s in _statements_of(template, role) if any(a.startswith("logs:") for a in _actions(s))
    ]
    assert [s["Resource"] for s in log_statements] == [{"Fn::GetAtt": [log_group, "Arn"]}]


def test_template_functions_trace_and_configure_powertools(template: dict[str, Any]) -> None:
    # GIVEN the function globals
    globals_ = template["Globals"]["Function"]
    env = globals_["Environment"]["Variables"]
    # WHEN tracing and powertools settings are read
    # THEN X-Ray is active and powertools has service name, metrics namespace and log level
    assert globals_["Tracing"] == "Active"
    assert env["POWERTOOLS_SERVICE_NAME"] == "sagemaker-rollout"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "SageMakerRollout"
    assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


def test_template_provider_async_invocations_retry_twice_then_dead_letter_to_encrypted_queue(
    template: dict[str, Any],
) -> None:
    # GIVEN the provider function
    resources = template["Resources"]
    props = resources["EndpointProviderFunction"]["Properties"]
    # WHEN its asynchronous-invocation settings are read
    # THEN it retries twice, then dead-letters to an encrypted, TLS-only queue it may send to
    assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert props["DeadLetterQueue"] == {
        "Type": "SQS",
        "TargetArn": {"Fn::GetAtt": ["ContinuationDeadLetterQueue", "Arn"]},
    }
    queue = resources["ContinuationDeadLetterQueue"]["Properties"]
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue
    policy = resources["ContinuationDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy
    )
    send = [s for s in _statements_of(template, "EndpointProviderRole") if "sqs:SendMessage" in _actions(s)]
    assert [s["Resource"] for s in send] == [
        {"Fn::GetAtt": ["ContinuationDeadLetterQueue", "Arn"]},
        {"Fn::GetAtt": ["RolloutWakeUpQueue", "Arn"]},
    ]
    outputs = template["Outputs"]
    assert outputs["ContinuationDeadLetterQueueUrl"]["Value"] == {"Ref": "ContinuationDeadLetterQueue"}


def test_template_waits_resume_on_sagemakers_events_and_on_delayed_wake_ups(template: dict[str, Any]) -> None:
    """GIVEN the provider function WHEN its event sources are read THEN one stack-wide EventBridge rule
    sends it SageMaker's two endpoint event types (source aws.sagemaker, developer guide "Events that
    Amazon SageMaker AI sends to Amazon EventBridge"), and it consumes its own encrypted, TLS-only
    wake-up queue, whose URL it is given and to which alone (besides the dead-letter queue) it sends."""
    resources = template["Resources"]
    props = resources["EndpointProviderFunction"]["Properties"]
    rule = props["Events"]["SageMakerEndpointEvents"]
    assert rule["Type"] == "EventBridgeRule"
    assert rule["Properties"]["Pattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Endpoint State Change", "SageMaker Endpoint Deployment State Change"],
    }
    wakeups = props["Events"]["WakeUps"]
    assert wakeups == {
        "Type": "SQS",
        "Properties": {"Queue": {"Fn::GetAtt": ["RolloutWakeUpQueue", "Arn"]}, "BatchSize": 1},
    }
    assert props["Environment"]["Variables"]["SAGEMAKER_ROLLOUT_WAKEUP_QUEUE_URL"] == {
        "Ref": "RolloutWakeUpQueue"
    }
    queue = resources["RolloutWakeUpQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["VisibilityTimeout"] >= props["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ContinuationParkingQueue", "Arn"]
    }
    policy = resources["RolloutWakeUpQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy
    )


def test_template_sam_expansion_yields_event_invoke_config_and_dead_letter_config(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the template expanded by the SAM translator
    expanded = _sam_translate(template, monkeypatch)
    resources = expanded["Resources"]
    # WHEN the generated Lambda resources are read
    configs = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    function = resources["EndpointProviderFunction"]["Properties"]
    # THEN the retry config targets the provider, and the function has DLQ, logging and tracing
    assert len(configs) == 1
    assert configs[0]["Properties"]["FunctionName"] == {"Ref": "EndpointProviderFunction"}
    assert configs[0]["Properties"]["MaximumRetryAttempts"] == 2
    assert function["DeadLetterConfig"]["TargetArn"] == {"Fn::GetAtt": ["ContinuationDeadLetterQueue", "Arn"]}
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "EndpointProviderLogGroup"}}
    assert function["TracingConfig"] == {"Mode": "Active"}
    # one resource-based permission: the stack's EventBridge rule (SageMaker's events) may invoke it
    (permission,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert permission["Principal"] == "events.amazonaws.com"
    (rule,) = [name for name, r in resources.items() if r["Type"] == "AWS::Events::Rule"]
    assert permission["SourceArn"] == {"Fn::GetAtt": [rule, "Arn"]}


def test_template_checkov_skips_all_carry_a_reason(template: dict[str, Any]) -> None:
    # GIVEN every checkov skip written in the template
    skips = [
        (logical_id, skip)
        for logical_id, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    # WHEN their fields are read
    # THEN each names a check id and gives a reason of substance
    assert skips
    for logical_id, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (logical_id, skip)
        assert len(skip.get("comment", "").split()) >= 8, (logical_id, skip)


# ------------------------------------------------------------------------------- packaging --
def test_template_sar_semantic_version_matches_package_version(template: dict[str, Any]) -> None:
    # GIVEN the Serverless Application Repository metadata
    sar = template["Metadata"]["AWS::ServerlessRepo::Application"]
    # WHEN its version and licence are read
    # THEN the version is the package's and the licence files it names exist
    assert sar["SemanticVersion"] == _package_version()
    assert sar["Name"] == "sagemaker-rollout"
    assert sar["SpdxLicenseId"] == "Apache-2.0"
    assert sar["LicenseUrl"] == "LICENSE"
    assert sar["ReadmeUrl"] == "README.md"
    assert "Apache License" in (REPO / "LICENSE").read_text(encoding="utf-8")


def test_changelog_has_entry_for_package_version() -> None:
    # GIVEN the changelog
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    # WHEN its release headings are read
    # THEN the current package version has one
    assert re.search(rf"^## \[{re.escape(_package_version())}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)


# ----------------------------------------------------------------------------------- slow ----
def _sam() -> str:
    command = sam()
    if command is None:
        pytest.skip("sam CLI not installed")
    return command


@pytest.mark.slow
def test_template_sam_build_packages_layer_with_library_and_dependencies(sam_build: SamBuild | None) -> None:
    # GIVEN the repository and an empty build directory
    # WHEN sam build runs (no container; python3.12 from the venv on PATH): once a test session, its
    # layer is also the arm64 layer test_built_layer.py checks (conftest.py's sam_build, builds.py)
    if sam_build is None:
        pytest.skip("sam CLI not installed")
    build_dir = sam_build.build
    # THEN it succeeds and the built layer (layers/Makefile) holds the runtime package and its
    # runtime dependencies, not the tools or the test kit
    assert sam_build.returncode == 0, sam_build.output
    layers = [p for p in build_dir.iterdir() if p.name.startswith("SageMakerRolloutLayer")]
    assert len(layers) == 1
    python_dir = layers[0] / "python"
    assert (python_dir / "sagemaker_rollout" / "__init__.py").is_file()
    assert (python_dir / "crhelper").is_dir()
    assert (python_dir / "aws_lambda_powertools").is_dir()
    for absent in ("sagemaker_rollout_tools", "sagemaker_rollout_testing", "yaml", "bin"):
        assert not (python_dir / absent).exists(), absent
    # AND botocore's data is cut to the declared services, the layer within 15 MB unzipped
    services = {p.name for p in (python_dir / "botocore" / "data").iterdir() if p.is_dir()}
    assert "sagemaker" in services and len(services) < 20
    assert sum(p.stat().st_size for p in layers[0].rglob("*") if p.is_file()) <= 15_000_000
    # AND its distributions are exactly the runtime lock's releases (the botocore the tests use)
    from test_locks import RUNTIME_LOCK, lock_pins

    shipped = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions(path=[str(python_dir)])
    }
    assert shipped == lock_pins(RUNTIME_LOCK)
    for function in ("EndpointProviderFunction", "RolloutMacroFunction"):
        assert (build_dir / function / "app.py").is_file()


@pytest.mark.slow
def test_template_sam_validate_lint_passes() -> None:
    # GIVEN the template
    # WHEN sam validate --lint runs
    result = subprocess.run(
        [_sam(), "validate", "--lint", "--region", "us-east-1", "--template-file", str(TEMPLATE_PATH)],
        cwd=REPO,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN it reports a valid template
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.slow
def test_template_cfn_lint_reports_nothing() -> None:
    # GIVEN the template
    # WHEN cfn-lint runs over it (errors, warnings and informational findings)
    result = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), "--include-checks", "I", "--", str(TEMPLATE_PATH)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN it finds nothing
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_kms_only_through_sagemaker(template: dict[str, Any]) -> None:
    # GIVEN the KMS statement WHEN read THEN it is bound to SageMaker in this region
    kms = [s for _, s in _role_statements(template) if any(a.startswith("kms:") for a in _actions(s))]
    assert len(kms) == 1
    condition = kms[0]["Condition"]["StringEquals"]["kms:ViaService"]
    assert "sagemaker." in str(condition)
