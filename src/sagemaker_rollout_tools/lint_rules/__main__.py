"""``python -m sagemaker_rollout_tools.lint_rules``: print the directory to pass to ``cfn-lint -a``."""

from __future__ import annotations

from sagemaker_rollout_tools.lint_rules import rules_directory

print(rules_directory())
