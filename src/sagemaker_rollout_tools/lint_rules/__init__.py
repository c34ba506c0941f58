"""cfn-lint rules for templates that use ``Custom::SageMakerEndpoint`` or ``SageMakerRollout::Endpoint``.

One rule per module; cfn-lint loads every module of this directory whose name does not start with
an underscore (``cfn-lint -a <this directory> template.yaml``):

* ``E9101`` (:mod:`.endpoint_properties`): a ``Custom::SageMakerEndpoint`` the provider would refuse,
  with the provider's own message (:func:`sagemaker_rollout.spec.validate_endpoint_properties`).
* ``E9201`` (:mod:`.compact_properties`): a ``SageMakerRollout::Endpoint`` the macro would refuse,
  with the macro's own message (:func:`sagemaker_rollout.macro.expand_template`).
* ``E9102`` (:mod:`.endpoint_attributes`): ``Fn::GetAtt`` of an attribute the endpoint does not have
  (``!GetAtt Endpoint.Arn``: the ARN is ``EndpointArn``).
* ``E9103`` (:mod:`.scalable_target_resource_id`): a SageMaker scalable target or scaling policy
  whose ``ResourceId`` is built from an endpoint *config* name (AWS refuses it).
* ``E9104`` (:mod:`.endpoint_ref_as_arn`): ``!Ref`` of the endpoint (its *name*) as an IAM statement
  ``Resource`` (an ARN): use ``!GetAtt X.EndpointArn``.
* ``W9101`` (:mod:`.deployment_guardrails`): an endpoint whose updates have no guardrails (no
  ``DeploymentConfig``, or one without rollback alarms).
* ``W9102`` (:mod:`.retain_with_autoscaling`): ``RetainAllVariantProperties: false`` on an endpoint
  the template autoscales (every update resets the instance counts).
* ``W9103`` (:mod:`.instance_count_below_min`): a variant starting with fewer instances than its
  autoscaling ``MinCapacity`` (allowed; Application Auto Scaling scales it up afterwards).
* ``W9104`` (:mod:`.instance_types`): an ``InstanceType`` the locked botocore's list of SageMaker
  instance types lacks (a typo, or a type newer than botocore: a warning, never refused).

``sagemaker-rollout lint`` runs them all on the rendered template.

Find the directory with :func:`rules_directory`, or from a shell::

    cfn-lint -a "$(python -m sagemaker_rollout_tools.lint_rules)" template.yaml
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RULE_IDS", "rules_directory"]

#: Every rule id of the package, for ``--ignore-checks`` / ``--include-checks``.
RULE_IDS = ("E9101", "E9102", "E9103", "E9104", "E9201", "W9101", "W9102", "W9103", "W9104")


def rules_directory() -> str:
    """The directory to pass to ``cfn-lint --append-rules`` (``-a``)."""
    return str(Path(__file__).resolve().parent)
