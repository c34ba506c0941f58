"""CloudFormation's handler error codes for what ends a registry handler (CloudFormation CLI user
guide, "Handler error codes"): an AWS error, or the rollout journal's.
"""

from __future__ import annotations

from sagemaker_rollout.aws.calls import error_code, is_transient
from sagemaker_rollout.journal import JournalUnavailableError
from sagemaker_rollout.rollout.progress import FailCode

__all__ = ["code_of", "journal_code"]

_THROTTLED = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)


def journal_code(error: JournalUnavailableError) -> FailCode:
    """The handler error code of a journal call that failed for good (its DynamoDB error's)."""
    if error.code in _THROTTLED or error.code == "ProvisionedThroughputExceededException":
        return FailCode.THROTTLING
    if error.code in ("AccessDenied", "AccessDeniedException"):
        return FailCode.ACCESS_DENIED
    return FailCode.NETWORK_FAILURE if error.transient else FailCode.GENERAL_SERVICE_EXCEPTION


def code_of(error: BaseException) -> FailCode:
    """The handler error code of an AWS error that ends a read or list (or a mutating handler's
    non-transient error outside the engine): "Handler error codes", CloudFormation CLI user guide."""
    code = error_code(error)
    if code in _THROTTLED:
        return FailCode.THROTTLING
    if code in ("AccessDenied", "AccessDeniedException"):
        return FailCode.ACCESS_DENIED
    if is_transient(error):
        return FailCode.NETWORK_FAILURE
    return FailCode.GENERAL_SERVICE_EXCEPTION
