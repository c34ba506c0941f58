"""``sagemaker-rollout render TEMPLATE``: expand the macro locally and print the template as YAML."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sagemaker_rollout import cfn_yaml
from sagemaker_rollout.cli._common import CliError, add_render_arguments, fail, render_from_args
from sagemaker_rollout.macro import MacroError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``render`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render",
        help="expand SageMakerRollout::Endpoint resources and print the template",
        description="Expand SageMakerRollout::Endpoint resources with the macro's own code and print "
        "the resulting CloudFormation template as YAML (long-form intrinsics).",
    )
    add_render_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render; 0 on success, 1 when the macro refuses the template, 2 on unreadable input."""
    try:
        rendered = render_from_args(args)
    except CliError as err:
        return fail(str(err), 2)
    except MacroError as err:
        return fail(str(err), 1)
    sys.stdout.write(cfn_yaml.dump(rendered))
    return 0
