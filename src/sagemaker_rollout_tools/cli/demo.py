"""``sagemaker-rollout demo``: create, canary update, alarm rollback, an operator's abort, a failing
smoke test and delete, all simulated; or, with ``--registry-type``, a rollout longer than an hour
(then an abort and a failing smoke test) through the registry type."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sagemaker_rollout_tools.cli._common import CliError, fail, parse_parameters

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="play a rollout story (create, update, alarm rollback, operator abort, smoke test, delete) "
        "against a simulated AWS",
        description=(
            "Run the provider's real handler in process against a local simulated AWS account (moto plus "
            "a SageMaker endpoint simulator, on simulated time). The default story, on the embedded "
            "example: create a two-variant autoscaled endpoint, roll a new model out as a canary, roll "
            "another out while the latency alarm fires, have an operator abort the next one with "
            "sagemaker-rollout abort while it bakes (and abort too late once it completed), roll out a "
            "model that fails its smoke test, delete. With --template, the story is told from "
            "your template (its endpoint's strategy, alarms and resources decide what each step expects; "
            "steps it cannot play are skipped with the reason). With --registry-type, a create, a linear "
            "rollout of about three hours, an operator's abort, a failing smoke test and a delete play "
            "through the handlers of the registry type "
            "SageMakerRollout::SageMaker::Endpoint, re-invoked with their callback context as "
            "CloudFormation does: a rollout no custom resource could carry (3600 s ServiceTimeout). No AWS "
            "account, no Docker. Exit 1 if a step does not behave as the story says, 2 on bad options."
        ),
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        metavar="PATH",
        help="play your own template (compact SageMakerRollout::Endpoint or plain Custom::SageMakerEndpoint)",
    )
    parser.add_argument("--resource", default=None, metavar="ID", help="logical id of the endpoint to play")
    parser.add_argument(
        "--parameter", "-p", action="append", default=[], metavar="KEY=VALUE", help="template parameter value"
    )
    parser.add_argument(
        "--registry-type",
        action="store_true",
        help="play its own story through the registry type SageMakerRollout::SageMaker::Endpoint: create, "
        "a linear rollout of about 3 hours (4 x 45 min, IN_PROGRESS callbacks), an operator's abort, a "
        "failing smoke test, delete; not with --template",
    )
    parser.add_argument(
        "--compact",
        action="store_true",
        help="a plain AWS::SageMaker::Endpoint's migration adopts with migrate --compact "
        "(SageMakerRollout::Endpoint); default: Custom::SageMakerEndpoint",
    )
    parser.add_argument(
        "--change",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="what the rollout step changes (repeatable): a template parameter (ImageUri=...) or a "
        "property (Model.PrimaryContainer.ModelDataUrl=s3://...); default: a new revision of the first "
        "variant's model",
    )
    parser.add_argument("--stack-name", default="sagemaker-rollout-demo", help="name of the simulated stack")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--quiet", "-q", action="store_true", help="print only step results and the summary")
    output.add_argument(
        "--json", action="store_true", help="print the result as JSON instead of the timeline"
    )
    parser.set_defaults(func=run)


def _changes(pairs: list[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--change {pair!r}: expected PARAMETER=VALUE or LogicalId.Property.Path=VALUE")
        changes[key] = value
    return changes


def run(args: argparse.Namespace) -> int:
    """Play the demo; 0 when every step behaved as expected, 1 otherwise, 2 on bad options."""
    from sagemaker_rollout_testing.demo import DemoError, DemoOptions, DemoResult, run_demo

    if args.registry_type and (args.template is not None or args.resource is not None or args.parameter):
        given = (
            "--template" if args.template is not None else "--resource" if args.resource else "--parameter"
        )
        return fail(
            "--registry-type plays its own story (a 3-hour linear rollout of "
            f"SageMakerRollout::SageMaker::Endpoint); it takes no {given}",
            2,
        )
    if args.registry_type and (args.compact or args.change):
        return fail("--registry-type plays its own story; it takes no --compact or --change", 2)
    try:
        parameters = parse_parameters(args.parameter)
        change = _changes(args.change)
    except CliError as error:
        return fail(str(error), 2)
    options = DemoOptions(
        template=args.template,
        resource=args.resource,
        parameters=parameters,
        stack_name=args.stack_name,
        quiet=args.quiet,
        echo=not args.json,
        compact=args.compact,
        change=change,
    )
    try:
        if args.registry_type:
            from sagemaker_rollout_testing.demo.registry_story import run_registry_demo

            result: DemoResult = run_registry_demo(options, sys.stdout)
        else:
            result = run_demo(options, sys.stdout)
    except DemoError as error:
        return fail(str(error), error.status)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    return result.exit_status
