"""Shared pieces of the commands: reading a template, parameters, rendering."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sagemaker_rollout import cfn_yaml
from sagemaker_rollout.macro import (
    DEFAULT_MACRO_NAME,
    DEFAULT_SERVICE_TOKEN,
    expand_template,
    parameter_defaults,
    strip_transform,
)

__all__ = [
    "CliError",
    "add_render_arguments",
    "fail",
    "parse_parameters",
    "read_template",
    "render_from_args",
    "render_template",
]


class CliError(Exception):
    """A problem with the command's input (file, option); exits with status 2."""


def add_render_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``render`` and ``lint``."""
    parser.add_argument(
        "template", type=Path, metavar="TEMPLATE", help="CloudFormation template (YAML or JSON)"
    )
    parser.add_argument(
        "--parameter",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter value (repeatable); parameters without one use their Default",
    )
    parser.add_argument(
        "--service-token",
        default=None,
        metavar="ARN",
        help="ServiceToken of the generated custom resources "
        "(default: !ImportValue sagemaker-rollout-EndpointProviderArn)",
    )
    parser.add_argument(
        "--macro-name",
        default=DEFAULT_MACRO_NAME,
        help=f"Transform name removed from the rendered template (default: {DEFAULT_MACRO_NAME})",
    )


def parse_parameters(pairs: Sequence[str]) -> dict[str, str]:
    """``["K=V", ...]`` -> ``{"K": "V"}``; a comma in V stays (CommaDelimitedList values are strings)."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--parameter {pair!r}: expected KEY=VALUE")
        result[key] = value
    return result


def read_template(path: Path) -> dict[str, Any]:
    """Load a CloudFormation template (short-form tags allowed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CliError(f"{path}: {err.strerror or err}") from err
    try:
        data = cfn_yaml.load(text)
    except cfn_yaml.CfnYamlError as err:
        raise CliError(f"{path}: {err}") from err
    if not isinstance(data, dict):
        raise CliError(f"{path}: a template must be a mapping")
    return data


def render_template(
    template: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    *,
    service_token: Any = None,
    macro_name: str = DEFAULT_MACRO_NAME,
) -> dict[str, Any]:
    """Expand the template like the macro does, without the Transform entry naming the macro.

    Raises
    ------
    MacroError
        When a compact resource is refused.
    """
    values = {**parameter_defaults(template), **(parameters or {})}
    token = service_token if service_token is not None else DEFAULT_SERVICE_TOKEN
    expanded = expand_template(template, service_token=token, parameters=values)
    return strip_transform(expanded, macro_name)


def render_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Read, parse parameters and render, from the shared options."""
    template = read_template(args.template)
    return render_template(
        template,
        parse_parameters(args.parameter),
        service_token=args.service_token,
        macro_name=args.macro_name,
    )


def fail(message: str, status: int) -> int:
    """Print a one-line error to stderr and return ``status``."""
    print(f"sagemaker-rollout: {message}", file=sys.stderr)
    return status
