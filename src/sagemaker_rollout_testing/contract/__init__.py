"""The CloudFormation CLI's own contract suite (``cfn test``) against the registry type, locally.

``make contract-test`` (``python -m sagemaker_rollout_testing.contract``) runs the suite of
cloudformation-cli (``rpdk.core.contract``, >= 0.2.41) against the real entry point of
``SageMakerRollout::SageMaker::Endpoint`` with no Docker and no AWS account:

* :mod:`.world`: the handler side: moto plus the SageMaker simulator on a simulated clock, the
  journal table and type configuration, the models and alarms the input sets name, fault profiles;
* :mod:`.endpoint`: a local HTTP endpoint speaking the Lambda Invoke API (what ``sam local
  start-lambda`` serves to ``cfn test --endpoint``), and STS through moto's server application;
* :mod:`.runner`: the CloudFormation CLI's runner with four documented patches, run by the
  CloudFormation CLI's own interpreter (``.venv-tools``) in its own process;
* :mod:`.checks`: the harness's assertions on every invocation (time budget, permissions,
  write-only properties, the primary identifier of IN_PROGRESS events, fresh logical ids);
* :mod:`.run`: the orchestration, the report and the expected-results comparison.

Importing this package imports nothing heavy and does no I/O.
"""

from __future__ import annotations

__all__: list[str] = []
