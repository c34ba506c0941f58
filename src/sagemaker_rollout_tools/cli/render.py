"""``sagemaker-rollout render TEMPLATE``: expand the macro locally and print the template.

YAML in, YAML out (long-form intrinsics); JSON in, JSON out.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sagemaker_rollout.macro import MacroError
from sagemaker_rollout_tools.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    add_render_arguments,
    dump_like,
    fail,
    is_json_template,
    render_from_args,
)

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``render`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render",
        help="expand SageMakerRollout::Endpoint resources and print the template",
        description="Expand SageMakerRollout::Endpoint resources with the macro's own code and print "
        "the resulting CloudFormation template: YAML (long-form intrinsics) for a YAML template, "
        "JSON for a JSON one. Exit status: 0 rendered, 1 the macro refuses the template, "
        "2 unreadable input or unknown --parameter.",
    )
    add_render_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render; 0 on success, 1 when the macro refuses the template, 2 on unusable input."""
    try:
        rendered = render_from_args(args)
    except CliError as err:
        return fail(str(err), EXIT_USAGE)
    except MacroError as err:
        return fail(str(err), EXIT_FINDINGS)
    sys.stdout.write(dump_like(rendered, as_json=is_json_template(args.template)))
    return EXIT_OK
