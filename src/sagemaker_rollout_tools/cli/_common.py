"""Shared pieces of the commands: reading a template, parameters, rendering, exit statuses.

Exit statuses, the same for every command:

* :data:`EXIT_OK` (0): done, nothing blocking found;
* :data:`EXIT_FINDINGS` (1): the template was read but is refused (the macro's or the provider's
  validation, lint errors, a plan the provider would refuse);
* :data:`EXIT_USAGE` (2): the command could not start: unreadable file, invalid YAML or JSON, an
  unknown option or ``--parameter``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sagemaker_rollout.macro import (
    DEFAULT_MACRO_NAME,
    DEFAULT_SERVICE_TOKEN,
    expand_template,
    parameter_defaults,
    strip_transform,
)
from sagemaker_rollout_tools import cfn_yaml

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "add_render_arguments",
    "apply_parameters",
    "aws_setup_problem",
    "check_parameters",
    "dump_like",
    "fail",
    "is_json_template",
    "parse_parameters",
    "read_template",
    "render_from_args",
    "render_template",
]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A problem with the command's input (file, option); exits with :data:`EXIT_USAGE`."""


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
        help="template parameter value (repeatable): used by the macro and written as the "
        "parameter's Default in the output; parameters without one use their Default",
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


def check_parameters(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
    """Refuse a ``--parameter`` the template does not declare, naming the ones it does.

    Raises
    ------
    CliError
        ``--parameter Colour: the template has no parameter Colour (its parameters: A, B)``.
    """
    declared = template.get("Parameters")
    names = sorted(str(name) for name in declared) if isinstance(declared, Mapping) else []
    for name in parameters:
        if name not in names:
            listed = f"its parameters: {', '.join(names)}" if names else "it declares no Parameters"
            raise CliError(f"--parameter {name}: the template has no parameter {name} ({listed})")


def apply_parameters(template: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` whose parameters given on the command line have that ``Default``.

    So the rendered template, deployed or linted as it is, uses the values it was rendered with;
    ``Ref`` s stay ``Ref`` s (CloudFormation still resolves them, and ``--parameter-overrides`` still
    work).
    """
    result = dict(template)
    declared = template.get("Parameters")
    if not parameters or not isinstance(declared, Mapping):
        return result
    updated = copy.deepcopy(dict(declared))
    for name, value in parameters.items():
        if isinstance(updated.get(name), dict):
            updated[name]["Default"] = value
    result["Parameters"] = updated
    return result


def is_json_template(path: Path) -> bool:
    """Whether the template file is JSON (its first non-blank character is ``{``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return text.lstrip().startswith("{")


def dump_like(template: Mapping[str, Any], *, as_json: bool) -> str:
    """The template as text: JSON (2-space indent, key order kept) or block-style YAML."""
    if as_json:
        return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    return cfn_yaml.dump(template)


def read_template(path: Path) -> dict[str, Any]:
    """Load a CloudFormation template (short-form tags allowed).

    Raises
    ------
    CliError
        Unreadable file, invalid YAML/JSON (with the file name, line and column), or not a
        template (:mod:`sagemaker_rollout_tools.inputs`: one line saying what to pass instead).
    """
    from sagemaker_rollout_tools.inputs import NotATemplateError, check_template, read_text

    try:
        text = read_text(path)
        try:
            data = cfn_yaml.load(text, source=str(path))
        except cfn_yaml.CfnYamlError as err:
            raise CliError(f"{err}; fix the template (YAML or JSON)") from err
        return check_template(path, data)
    except NotATemplateError as err:
        raise CliError(str(err)) from err


def render_template(
    template: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
    *,
    service_token: Any = None,
    macro_name: str = DEFAULT_MACRO_NAME,
) -> dict[str, Any]:
    """Expand the template like the macro does, without the Transform entry naming the macro.

    ``parameters`` must be declared by the template; each becomes its parameter's ``Default``
    in the result (:func:`apply_parameters`).

    Raises
    ------
    CliError
        A parameter the template does not declare.
    MacroError
        When a compact resource is refused.
    """
    given = dict(parameters or {})
    check_parameters(template, given)
    values = {**parameter_defaults(template), **given}
    token = service_token if service_token is not None else DEFAULT_SERVICE_TOKEN
    expanded = expand_template(template, service_token=token, parameters=values)
    return apply_parameters(strip_transform(expanded, macro_name), given)


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


def aws_setup_problem(error: Exception) -> str | None:
    """A one-line reason when ``error`` is about credentials or permissions, else None."""
    from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError, PartialCredentialsError

    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return "no AWS credentials found"
    if isinstance(error, NoRegionError):
        return "no AWS region configured"
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in (
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "AccessDeniedException",
            "InvalidSignatureException",
        ):
            return f"AWS refused the credentials ({code}: {' '.join(str(error).split())[:200]})"
    return None
