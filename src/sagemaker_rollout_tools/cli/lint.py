"""``sagemaker-rollout lint TEMPLATE``: render, then cfn-lint with the project's rules, and cycles.

What runs, on the rendered template (the macro expanded with its own code):

* cfn-lint with every rule of :mod:`sagemaker_rollout_tools.lint_rules` appended (as ``cfn-lint -a``
  would): the provider's own validation of each ``Custom::SageMakerEndpoint`` (E9101) and the
  project's other checks;
* a search for dependency cycles, after the AWS SAM transform when the template declares it (so
  references that the transform rewires, such as a function's ``DeploymentPreference`` alarms that
  watch the function, are judged as CloudFormation will see them).

Errors and warnings are counted apart: errors exit 1, warnings exit 0 unless
``--warnings-as-errors`` (they are still called warnings in the summary).
"""

from __future__ import annotations

import argparse
import copy
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagemaker_rollout.macro import MacroError, dependency_graph, find_cycle, parameter_defaults
from sagemaker_rollout_tools import cfn_yaml
from sagemaker_rollout_tools.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_render_arguments,
    fail,
    parse_parameters,
    read_template,
    render_template,
)

__all__ = ["SAM_TRANSFORM", "Finding", "lint_rendered", "register", "run", "sam_transformed"]

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_SOURCE = "sagemaker-rollout"

#: Local-path properties of SAM resources ``sam build``/``sam package`` replace with S3 locations;
#: the transform refuses a local path, so a placeholder S3 location stands in while linting.
_LOCAL_PATHS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


@dataclass(frozen=True)
class Finding:
    """One problem of a rendered template.

    Attributes
    ----------
    severity:
        ``error``, ``warning`` or ``informational``.
    source:
        Rule id (``E3002``, ``W9101``) or ``sagemaker-rollout``.
    location:
        ``Resources/X/Properties/...`` or a logical id.
    message:
        One line.
    """

    severity: str
    source: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.source} {self.location}: {self.message}"


def register(subparsers: Any) -> None:
    """Add the ``lint`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        help="render, then run cfn-lint with the project's rules",
        description="Render the template, run cfn-lint on the result with every sagemaker-rollout "
        "rule (the provider's validation of each Custom::SageMakerEndpoint included) and look for "
        "dependency cycles (after the SAM transform, if declared). Exit status: 0 no errors, "
        "1 errors (or warnings with --warnings-as-errors), 2 unusable input.",
    )
    add_render_arguments(parser)
    parser.add_argument(
        "--region",
        action="append",
        default=None,
        help="region(s) cfn-lint checks against (default: us-east-1)",
    )
    parser.add_argument("--warnings-as-errors", action="store_true", help="also fail on warnings")
    parser.set_defaults(func=run)


def lint_rendered(
    template: Mapping[str, Any],
    regions: Sequence[str] = ("us-east-1",),
    parameters: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Lint a rendered template: cfn-lint with the project's rules, then dependency cycles.

    Parameters
    ----------
    template:
        The rendered template (no SageMakerRollout transform left).
    regions:
        Regions cfn-lint validates against (the first one also for the SAM transform).
    parameters:
        Parameter values for the SAM transform (default: each parameter's ``Default``).

    Returns
    -------
    list of Finding
        Every problem found, cfn-lint's first.
    """
    import cfnlint.api

    from sagemaker_rollout_tools.lint_rules import rules_directory

    with _registry_schemas(template):
        config = cfnlint.api.ManualArgs(regions=list(regions), append_rules=[rules_directory()])
        findings = [
            Finding(
                match.rule.severity,
                match.rule.id,
                "/".join(str(part) for part in (getattr(match, "path", None) or []))
                or f"line {match.linenumber}",
                " ".join(str(match.message).split()),
            )
            for match in cfnlint.api.lint(cfn_yaml.dump(template), config=config)
        ]
    findings.extend(_cycle_findings(template, regions[0] if regions else "us-east-1", parameters))
    return findings


@contextmanager
def _registry_schemas(template: Mapping[str, Any]) -> Iterator[None]:
    """Teach cfn-lint the registry type when the template uses it.

    cfn-lint knows only AWS's own types (E3006 otherwise); its ``--registry-schemas`` option loads
    others, but only in its command-line runner, so the schema manager is given the type's schema
    (generated, as ``registry/`` holds it, into a scratch directory) the same way.
    """
    from sagemaker_rollout.registry_type import TYPE_NAME

    resources = template.get("Resources")
    used = isinstance(resources, Mapping) and any(
        isinstance(r, Mapping) and r.get("Type") == TYPE_NAME for r in resources.values()
    )
    if not used:
        yield
        return
    import json
    import tempfile

    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    from sagemaker_rollout_tools.schemas_gen import REGISTRY_FILE, registry_schema

    with tempfile.TemporaryDirectory(prefix="sagemaker-rollout-lint-") as scratch:
        (Path(scratch) / REGISTRY_FILE).write_text(json.dumps(registry_schema()), encoding="utf-8")
        PROVIDER_SCHEMA_MANAGER.load_registry_schemas(scratch)
        # The manager memoizes the types of a region (lru_cache on its methods): a lint earlier in
        # the process would keep the type unknown.
        type(PROVIDER_SCHEMA_MANAGER).get_resource_types.cache_clear()
        type(PROVIDER_SCHEMA_MANAGER).get_resource_schema.cache_clear()
        yield


def _cycle_findings(
    template: Mapping[str, Any], region: str, parameters: Mapping[str, Any] | None
) -> list[Finding]:
    graph_source: Mapping[str, Any] = template
    if _declares(template, SAM_TRANSFORM):
        values = {**parameter_defaults(template), **(parameters or {})}
        try:
            graph_source = sam_transformed(template, region, values)
        except ImportError:
            return [
                Finding(
                    "warning",
                    _SOURCE,
                    "Transform",
                    "dependency cycles not checked: the AWS SAM transform needs aws-sam-translator "
                    "(pip install aws-sam-translator)",
                )
            ]
        except ValueError as err:
            return [
                Finding(
                    "warning",
                    _SOURCE,
                    "Transform",
                    f"dependency cycles not checked: the AWS SAM transform refused the template: {err}",
                )
            ]
    cycle = find_cycle(dependency_graph(graph_source))
    if cycle is None:
        return []
    return [Finding("error", _SOURCE, "Resources", f"dependency cycle {' -> '.join(cycle)}")]


def _declares(template: Mapping[str, Any], transform: str) -> bool:
    declared = template.get("Transform")
    return declared == transform or (isinstance(declared, list) and transform in declared)


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def sam_transformed(
    template: Mapping[str, Any], region: str, parameters: Mapping[str, Any]
) -> dict[str, Any]:
    """The template after the AWS SAM transform, computed offline with ``samtranslator``.

    Local paths (``CodeUri: ./src``) become placeholder S3 locations and nested SAR applications
    become placeholder nested stacks (their references kept), so no AWS call is made.

    Raises
    ------
    ImportError
        ``samtranslator`` is not installed.
    ValueError
        The transform refuses the template (one line).
    """
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    document: dict[str, Any] = copy.deepcopy(dict(template))
    for resource in (document.get("Resources") or {}).values():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        properties = resource["Properties"]
        if resource.get("Type") == "AWS::Serverless::Application":
            resource["Type"] = "AWS::CloudFormation::Stack"
            resource["Properties"] = {
                "TemplateURL": "https://s3.amazonaws.com/sagemaker-rollout-lint/application.yaml",
                **({"Parameters": properties["Parameters"]} if "Parameters" in properties else {}),
            }
            continue
        key = _LOCAL_PATHS.get(str(resource.get("Type")))
        value = properties.get(key) if key else None
        if key and isinstance(value, str) and not value.startswith("s3://"):
            properties[key] = "s3://sagemaker-rollout-lint/placeholder.zip"
    translator = Translator({}, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        with _quiet("samtranslator"):
            result: dict[str, Any] = translator.translate(
                sam_template=document,
                parameter_values=dict(parameters),
                get_managed_policy_map=dict,
            )
    except InvalidDocumentException as err:
        causes = "; ".join(" ".join(str(cause).split()) for cause in err.causes) or str(err)
        raise ValueError(causes) from None
    return result


def _regions(regions: Sequence[str]) -> list[str]:
    """The ``--region`` values, each one cfn-lint has the resource specifications of.

    Raises
    ------
    CliError
        A region cfn-lint does not know (a typo, or a region newer than the installed cfn-lint).
    """
    from cfnlint.helpers import REGIONS  # the regions cfn-lint has resource specifications for

    names = set(REGIONS)
    for region in regions:
        if region not in names:
            raise CliError(
                f"--region {region!r}: not a region cfn-lint knows (e.g. us-east-1, eu-west-1); "
                "check the name"
            )
    return list(regions)


def run(args: argparse.Namespace) -> int:
    """Lint; 0 without errors, 1 on errors (or warnings with ``--warnings-as-errors``), 2 bad input."""
    try:
        template = read_template(args.template)
        parameters = parse_parameters(args.parameter)
        regions = _regions(args.region or ["us-east-1"])
        rendered = render_template(
            template, parameters, service_token=args.service_token, macro_name=args.macro_name
        )
    except CliError as err:
        return fail(str(err), EXIT_USAGE)
    except MacroError as err:
        print(Finding("error", _SOURCE, err.resource, str(err)))
        print(f"{args.template}: 1 error(s), 0 warning(s)")
        return EXIT_FINDINGS
    findings = lint_rendered(rendered, regions, {**parameter_defaults(template), **parameters})
    for finding in findings:
        print(finding)
    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = sum(1 for finding in findings if finding.severity == "warning")
    failing = errors + (warnings if args.warnings_as_errors else 0)
    if failing:
        note = ""
        if warnings and args.warnings_as_errors:
            note = " (--warnings-as-errors: warnings fail the lint)"
        print(f"{args.template}: {errors} error(s), {warnings} warning(s){note}")
        return EXIT_FINDINGS
    if warnings:
        print(f"{args.template}: no errors, {warnings} warning(s)")
    else:
        print(f"{args.template}: OK")
    return EXIT_OK
