"""``migrate`` checks its own output: no E9103, and no lint or cfn-lint error the original lacks.

Both templates are rendered (the macro expanded, parameters at their defaults) and linted as
``sagemaker-rollout lint`` lints them (:func:`~sagemaker_rollout_tools.cli.lint.lint_rendered`):
cfn-lint with the project's rules. An error of the output that the original does not have (by rule
and count), and any E9103 (a scalable target's ``ResourceId`` built from an endpoint config's name,
which the adopted endpoint's first rollout would break), is a finding: the migration stops, naming
it. A template the checker cannot render (a parameter without a default that the macro needs)
is not checked, and ``migrate`` says so.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckResult", "check_output"]

#: Scalable target ResourceId built from an endpoint config name (lint_rules.scalable_target_resource_id).
CONFIG_NAME_RULE = "E9103"


@dataclass
class CheckResult:
    """What the check found.

    Attributes
    ----------
    new_errors:
        One line per error of the output the original does not have (and every E9103).
    unchecked:
        Why the output could not be checked, or None.
    """

    new_errors: list[str] = field(default_factory=list)
    unchecked: str | None = None


def _errors(template: Mapping[str, Any]) -> list[Any]:
    return list(_errors_of(json.dumps(template, sort_keys=True)))


@functools.lru_cache(maxsize=32)
def _errors_of(key: str) -> tuple[Any, ...]:
    """The errors of a template (by its JSON text: the same template is linted once a process)."""
    from sagemaker_rollout_tools.cli._common import render_template
    from sagemaker_rollout_tools.cli.lint import lint_rendered

    rendered = render_template(json.loads(key))
    return tuple(finding for finding in lint_rendered(rendered) if finding.severity == "error")


def check_output(original: Mapping[str, Any], migrated: Mapping[str, Any]) -> CheckResult:
    """Lint both templates; list the output's errors the original lacks, and every E9103.

    Parameters
    ----------
    original, migrated:
        The templates as plain data (long-form intrinsics).
    """
    from sagemaker_rollout.macro import MacroError
    from sagemaker_rollout_tools.cli._common import CliError

    try:
        before = _errors(original)
    except (MacroError, CliError) as err:
        return CheckResult(unchecked=f"the original does not render ({err})")
    try:
        after = _errors(migrated)
    except (MacroError, CliError) as err:
        return CheckResult(unchecked=f"the output does not render with the parameters' defaults ({err})")
    allowed = Counter(finding.source for finding in before if finding.source != CONFIG_NAME_RULE)
    result = CheckResult()
    for finding in after:
        if finding.source != CONFIG_NAME_RULE and allowed[finding.source] > 0:
            allowed[finding.source] -= 1
            continue
        result.new_errors.append(f"{finding.source} {finding.location}: {finding.message}")
    return result
