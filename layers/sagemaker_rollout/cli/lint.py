"""``sagemaker-rollout lint TEMPLATE``: render, then cfn-lint and the provider's own validation."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout import cfn_yaml
from sagemaker_rollout.cli._common import CliError, add_render_arguments, fail, render_from_args
from sagemaker_rollout.macro import ENDPOINT_TYPE, MacroError, dependency_graph, find_cycle

__all__ = ["Finding", "lint_rendered", "register", "run"]


@dataclass(frozen=True)
class Finding:
    """One problem of a rendered template.

    Attributes
    ----------
    severity:
        ``error``, ``warning`` or ``informational``.
    source:
        Rule id (``E3002``) or ``sagemaker-rollout``.
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
        help="render, then run cfn-lint and the provider's validation",
        description="Render the template, run cfn-lint on the result and validate every "
        "Custom::SageMakerEndpoint as the provider will; exit 1 on any error.",
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


def lint_rendered(template: Mapping[str, Any], regions: Sequence[str] = ("us-east-1",)) -> list[Finding]:
    """Lint a rendered template: cfn-lint, provider validation of each endpoint, dependency cycles.

    Parameters
    ----------
    template:
        The rendered template (no SageMakerRollout transform left).
    regions:
        Regions cfn-lint validates against.

    Returns
    -------
    list of Finding
        Every problem found, cfn-lint's first.
    """
    import cfnlint.api

    findings = [
        Finding(
            match.rule.severity,
            match.rule.id,
            "/".join(str(part) for part in (match.path or [])) or f"line {match.linenumber}",
            " ".join(str(match.message).split()),
        )
        for match in cfnlint.api.lint(cfn_yaml.dump(template), regions=list(regions))
    ]
    findings.extend(_provider_findings(template))
    cycle = find_cycle(dependency_graph(template))
    if cycle is not None:
        findings.append(
            Finding("error", "sagemaker-rollout", "Resources", f"dependency cycle {' -> '.join(cycle)}")
        )
    return findings


def _provider_findings(template: Mapping[str, Any]) -> list[Finding]:
    try:
        from sagemaker_rollout.spec import PropertyError, validate_endpoint_properties
    except ImportError:  # pragma: no cover - the spec package ships with the library
        return [
            Finding(
                "warning",
                "sagemaker-rollout",
                "Resources",
                "provider validation unavailable (sagemaker_rollout.spec missing)",
            )
        ]
    findings = []
    resources = template.get("Resources") or {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != ENDPOINT_TYPE:
            continue
        try:
            validate_endpoint_properties(resource.get("Properties") or {})
        except PropertyError as err:
            findings.append(Finding("error", "sagemaker-rollout", logical_id, f"{logical_id}.{err}"))
    return findings


def run(args: argparse.Namespace) -> int:
    """Lint; 0 when clean, 1 on errors (or warnings with ``--warnings-as-errors``), 2 on bad input."""
    try:
        rendered = render_from_args(args)
    except CliError as err:
        return fail(str(err), 2)
    except MacroError as err:
        print(Finding("error", "sagemaker-rollout", err.resource, str(err)))
        return 1
    findings = lint_rendered(rendered, args.region or ["us-east-1"])
    for finding in findings:
        print(finding)
    failing = {"error", "warning"} if args.warnings_as_errors else {"error"}
    errors = sum(1 for finding in findings if finding.severity in failing)
    if errors:
        print(f"{args.template}: {errors} error(s)")
        return 1
    print(
        f"{args.template}: OK ({len(findings)} non-blocking finding(s))"
        if findings
        else f"{args.template}: OK"
    )
    return 0
