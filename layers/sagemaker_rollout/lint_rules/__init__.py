"""cfn-lint rules for templates that use ``Custom::SageMakerEndpoint`` or ``SageMakerRollout::Endpoint``.

One rule per module; cfn-lint loads every module of this directory whose name does not start with
an underscore (``cfn-lint -a <this directory> template.yaml``):

* ``E9101`` (:mod:`.endpoint_properties`): a ``Custom::SageMakerEndpoint`` the provider would refuse,
  with the provider's own message (:func:`sagemaker_rollout.spec.validate_endpoint_properties`).
* ``E9201`` (:mod:`.compact_properties`): a ``SageMakerRollout::Endpoint`` the macro would refuse,
  with the macro's own message (:func:`sagemaker_rollout.macro.expand_template`).
* ``W9101`` (:mod:`.deployment_guardrails`): an endpoint whose updates have no guardrails (no
  ``DeploymentConfig``, or one without rollback alarms).
* ``W9102`` (:mod:`.retain_with_autoscaling`): ``RetainAllVariantProperties: false`` on an endpoint
  the template autoscales (every update resets the instance counts).

Find the directory with :func:`rules_directory`, or from a shell::

    cfn-lint -a "$(python -m sagemaker_rollout.lint_rules)" template.yaml
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RULE_IDS", "rules_directory"]

#: Every rule id of the package, for ``--ignore-checks`` / ``--include-checks``.
RULE_IDS = ("E9101", "E9201", "W9101", "W9102")


def rules_directory() -> str:
    """The directory to pass to ``cfn-lint --append-rules`` (``-a``)."""
    return str(Path(__file__).resolve().parent)
