"""``sagemaker-rollout migrate TEMPLATE --stage retain|adopt``: bring existing endpoints under the provider.

Migration is two deployments (contract section 8; docs/migrating.md): ``--stage retain`` marks
each ``AWS::SageMaker::EndpointConfig`` + ``AWS::SageMaker::Endpoint`` pair Retain; ``--stage
adopt`` replaces each pair with a ``Custom::SageMakerEndpoint`` (``--compact``: a
``SageMakerRollout::Endpoint``) that adopts the running endpoint. The template is edited in place:
comments, key order and short-form tags stay (YAML), JSON stays JSON with its indentation.

Exit statuses: 0 written; 1 the template cannot be migrated as asked (no endpoint to migrate, an
adopt stage on a pair without ``DeletionPolicy: Retain``); 2 unusable input (unreadable or invalid
file, missing or wrong option such as ``--endpoint-name`` for an endpoint CloudFormation named).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sagemaker_rollout_tools.cli._common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, fail
from sagemaker_rollout_tools.cli.migrate.document import MissingExtraError, TemplateError, load_document
from sagemaker_rollout_tools.cli.migrate.references import EndpointNameError
from sagemaker_rollout_tools.cli.migrate.stages import (
    MigrationError,
    MigrationReport,
    UsageError,
    adopt,
    retain,
)

__all__ = ["register", "run"]

STAGES = ("retain", "adopt")


def register(subparsers: Any) -> None:
    """Add the ``migrate`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "migrate",
        help="convert AWS::SageMaker::Endpoint + EndpointConfig pairs, in two deployments",
        description="Stage retain: DeletionPolicy and UpdateReplacePolicy Retain on every "
        "AWS::SageMaker::EndpointConfig + AWS::SageMaker::Endpoint pair (deploy it). Stage adopt: "
        "each pair becomes a Custom::SageMakerEndpoint (--compact: SageMakerRollout::Endpoint) with "
        "AdoptExistingEndpoint: true under the id <Endpoint>Rollout, every reference rewritten "
        "(deploy it after tagging the endpoint sagemaker-rollout:adoptable=true). The steps and "
        "what could not be converted go to stderr. Exit status: 0 written, 1 the template cannot "
        "be migrated as asked, 2 unusable input or a missing option. See docs/migrating.md.",
    )
    parser.add_argument(
        "template", type=Path, metavar="TEMPLATE", help="CloudFormation template (YAML or JSON)"
    )
    parser.add_argument("--stage", required=True, metavar="retain|adopt", help="which deployment to write")
    parser.add_argument(
        "-o", "--output", type=Path, default=None, metavar="OUT", help="write here (default: stdout)"
    )
    parser.add_argument(
        "--compact",
        action="store_true",
        help="adopt: write SageMakerRollout::Endpoint (absorbing the models and alarms it can express) "
        "and add Transform: SageMakerRollout; retain: the same template as without it",
    )
    parser.add_argument(
        "--endpoint-name",
        action="append",
        default=[],
        metavar="LOGICAL_ID=NAME",
        help="adopt: the name of an endpoint whose template has no EndpointName (the stack output "
        "<LogicalId>EndpointName that the retain stage adds); repeatable",
    )
    parser.add_argument(
        "--provider-stack",
        default="sagemaker-rollout",
        metavar="STACK",
        help="adopt: ServiceToken is !ImportValue STACK-EndpointProviderArn (default: sagemaker-rollout)",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="do not lint the output (by default migrate stops, writing nothing, when the output has "
        "E9103 or a lint/cfn-lint error the original lacks)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="adopt even when the template's pair lacks DeletionPolicy: Retain (only if the DEPLOYED "
        "stack has it: otherwise CloudFormation deletes the endpoint)",
    )
    parser.set_defaults(func=run)


def _endpoint_names(pairs: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise UsageError(f"--endpoint-name {pair!r}: expected LOGICAL_ID=NAME")
        names[key] = value
    return names


def run(args: argparse.Namespace) -> int:
    """Write the stage; print the steps and what was not converted on stderr."""
    if args.stage not in STAGES:
        return fail(f"--stage {args.stage}: unknown stage; use retain or adopt", EXIT_USAGE)
    try:
        document = load_document(args.template)
        if args.stage == "retain":
            report = retain(document)
        else:
            token: Any = document.function("Fn::ImportValue", f"{args.provider_stack}-EndpointProviderArn")
            report = adopt(
                document,
                endpoint_names=_endpoint_names(args.endpoint_name),
                service_token=token,
                force=args.force,
                compact=args.compact,
            )
    except (TemplateError, UsageError) as err:
        return fail(str(err), EXIT_USAGE)
    except MissingExtraError as err:
        return fail(str(err), EXIT_USAGE)
    except MigrationError as err:
        return fail(str(err), EXIT_FINDINGS)
    except EndpointNameError as err:
        print(f"not converted: {err}", file=sys.stderr)
        return EXIT_FINDINGS
    text = document.dump()
    if document.full_rewrite is not None:
        report.notes.append(
            f"the template was written in full, not edited in place ({document.full_rewrite}); review "
            "the whole diff"
        )
    if not args.no_check:
        problems = _check(document, text)
        if problems is None:
            pass
        elif isinstance(problems, str):
            report.notes.append(f"output not checked with lint: {problems}")
        else:
            for problem in problems:
                print(
                    f"not converted: the output has a lint error the original lacks: {problem}",
                    file=sys.stderr,
                )
            return fail(
                f"migrate stopped: {len(problems)} new lint error(s) in the output (listed above); nothing "
                "written. Report it, or pass --no-check to write it anyway and fix it by hand",
                EXIT_FINDINGS,
            )
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as err:
            return fail(f"{args.output}: {err.strerror or err}", EXIT_USAGE)
    _print_steps(args, report)
    return EXIT_OK


def _check(document: Any, text: str) -> list[str] | str | None:
    """New lint errors of the output (a list), why it was not checked (a string), or None."""
    from sagemaker_rollout_tools import cfn_yaml
    from sagemaker_rollout_tools.cli.migrate.check import check_output

    try:
        original = cfn_yaml.load(document.source or "")
        migrated = cfn_yaml.load(text)
    except cfn_yaml.CfnYamlError as err:
        return f"it does not read as CloudFormation YAML ({err})"
    try:
        result = check_output(original, migrated)
    except ModuleNotFoundError as err:
        return f"{err.name} is not installed (the 'cli' extra)"
    if result.unchecked is not None:
        return result.unchecked
    return result.new_errors or None


def _print_steps(args: argparse.Namespace, report: MigrationReport) -> None:
    out = sys.stderr
    written = str(args.output) if args.output is not None else "the printed template"
    pairs = ", ".join(f"{pair.endpoint} + {pair.config}" for pair in report.pairs)
    adopt_file = "adopt.yaml" if not str(args.template).endswith(".json") else "adopt.json"
    if args.stage == "retain":
        print(f"migrate: stage 1 of 2 (retain) for {pairs}; written to {written}", file=out)
        print("Steps:", file=out)
        print(f"  1. deploy {written} to the stack (sam deploy / aws cloudformation deploy).", file=out)
        print("  2. tag each endpoint adoptable (the provider adopts only what its owner offered):", file=out)
        for pair in report.pairs:
            print(f"     {_tag_command(report, pair.endpoint)}", file=out)
        for endpoint, output in report.name_outputs.items():
            print(
                f"     ({endpoint} has no EndpointName: its name is the stack output {output}: "
                f"aws cloudformation describe-stacks --stack-name STACK --query "
                f"\"Stacks[0].Outputs[?OutputKey=='{output}'].OutputValue\" --output text)",
                file=out,
            )
        names = " ".join(f"--endpoint-name {endpoint}=NAME" for endpoint in report.name_outputs)
        compact = " --compact" if args.compact else ""
        print(
            f"  3. sagemaker-rollout migrate {written} --stage adopt{compact}"
            f"{' ' + names if names else ''} -o {adopt_file}, then deploy {adopt_file}.",
            file=out,
        )
    else:
        new = ", ".join(f"{old} -> {new}" for old, new in report.new_ids.items())
        print(f"migrate: stage 2 of 2 (adopt): {new}; written to {written}", file=out)
        print("Steps:", file=out)
        print(
            "  1. (done before) deploy the retain stage: the old pairs must be Retain in the stack.", file=out
        )
        print("  2. tag each endpoint adoptable, if not done yet:", file=out)
        for pair in report.pairs:
            print(f"     {_tag_command(report, pair.endpoint)}", file=out)
        print(
            f"  3. deploy {written} (sagemaker-rollout plan shows what adoption will do; "
            "CloudFormation keeps the retained pairs in AWS when it removes them from the stack).",
            file=out,
        )
    for line in report.not_converted:
        print(f"not converted: {line}", file=out)
    for line in report.notes:
        print(f"note: {line}", file=out)


def _tag_command(report: MigrationReport, endpoint_id: str) -> str:
    name = report.endpoint_names.get(endpoint_id) or f"<name of {endpoint_id}>"
    return (
        "aws sagemaker add-tags --resource-arn "
        f"$(aws sagemaker describe-endpoint --endpoint-name {name} --query EndpointArn --output text) "
        "--tags Key=sagemaker-rollout:adoptable,Value=true"
    )
