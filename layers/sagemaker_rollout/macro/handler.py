"""Lambda handler of the ``SageMakerRollout`` macro."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from sagemaker_rollout.macro.errors import MacroError
from sagemaker_rollout.macro.template import expand_template
from sagemaker_rollout.tracing import subsegment

__all__ = ["PROVIDER_ARN_ENV", "handle_event", "handler"]

PROVIDER_ARN_ENV = "SAGEMAKER_ROLLOUT_PROVIDER_ARN"

logger = Logger(service="sagemaker-rollout")


def handle_event(event: Mapping[str, Any], service_token: Any) -> dict[str, Any]:
    """Answer a macro event (pure apart from logging).

    Parameters
    ----------
    event:
        The macro event: ``requestId``, ``fragment``, ``templateParameterValues`` ...
    service_token:
        The provider's ARN, injected as ``ServiceToken``.

    Returns
    -------
    dict
        ``{"requestId", "status": "success", "fragment"}`` or
        ``{"requestId", "status": "failure", "errorMessage"}``.
    """
    request_id = event.get("requestId", "")
    try:
        fragment = expand_template(
            event.get("fragment") or {},
            service_token=service_token,
            parameters=event.get("templateParameterValues") or {},
        )
    except MacroError as err:
        logger.warning("macro refused the template", extra={"reason": str(err)})
        return {"requestId": request_id, "status": "failure", "errorMessage": str(err)}
    except Exception as err:  # never raise into Lambda: CloudFormation would only see "internal failure"
        logger.exception("macro failed unexpectedly")
        reason = " ".join(f"{type(err).__name__}: {err}".split())
        message = f"the SageMakerRollout macro failed unexpectedly ({reason[:200]}); please report it"
        return {"requestId": request_id, "status": "failure", "errorMessage": message}
    return {"requestId": request_id, "status": "success", "fragment": fragment}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: expand the template with the provider ARN from the environment."""
    service_token = os.environ.get(PROVIDER_ARN_ENV)
    if not service_token:
        message = f"the macro function has no {PROVIDER_ARN_ENV} environment variable"
        logger.error(message)
        return {"requestId": event.get("requestId", ""), "status": "failure", "errorMessage": message}
    logger.set_correlation_id(str(event.get("requestId", "")))
    logger.info(
        "expanding template",
        extra={"request_id": event.get("requestId"), "transform_id": event.get("transformId")},
    )
    with subsegment("## macro expansion"):
        return handle_event(event, service_token)
