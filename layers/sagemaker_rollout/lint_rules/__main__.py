"""``python -m sagemaker_rollout.lint_rules``: print the directory to pass to ``cfn-lint -a``."""

from __future__ import annotations

from sagemaker_rollout.lint_rules import rules_directory

print(rules_directory())
