"""sagemaker-rollout's tools: the ``sagemaker-rollout`` command line and what only it uses.

The command line (render, lint, plan, migrate, history, demo), the cfn-lint rules, the generation
of the JSON schemas and the evaluation of CloudFormation templates (YAML loading, intrinsic
functions). It uses the runtime (:mod:`sagemaker_rollout`), which never imports it; it reaches the
test kit (:mod:`sagemaker_rollout_testing`) only when ``sagemaker-rollout demo`` runs. Its
third-party dependencies come with the ``cli`` extra (``pip install 'sagemaker-rollout[cli]'``).
"""

from __future__ import annotations

__all__: list[str] = []
