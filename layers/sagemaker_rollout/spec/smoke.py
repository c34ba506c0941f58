"""``SmokeTest``: what it is, where it may run, how many calls reach the new fleet (contract section 9).

Pure: parsed from the properties, placed on the rollout's timeline; the calls themselves are
:mod:`sagemaker_rollout.aws.smoke`'s and the steps :mod:`sagemaker_rollout.rollout.smoke`'s.

Where a smoke test runs:

* **after completion** (the endpoint ``InService`` on the new config): always, ``Count`` calls; the
  previous config is kept until they pass, and a failure sends the endpoint back to it.
* **in a bake where the new fleet takes all traffic** (an all-at-once bake, the final bake of a
  canary or linear rollout, the bake after a rolling update's last batch): ``Count`` calls; a
  failure trips the provider's brake (SageMaker rolls back: API reference, AutoRollbackConfig).
* **in a bake where old and new fleets share the traffic** (a canary bake, a linear step, a rolling
  batch before the last): only when ``Count`` calls reach the new fleet with at least 95 %
  probability (:func:`calls_to_reach`), results labelled "mixed fleet".

How SageMaker splits a mixed fleet's traffic between the old and the new fleet per request is not
published. The provider's labelled assumption: each call lands on the new fleet independently, with
probability its share of the capacity (the canary's ``CanarySize``, the linear steps shifted so far,
the batches replaced so far).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.naming import SMOKE_CONSENT_TAG
from sagemaker_rollout.sagemaker import INVOKE_TIMEOUT_SECONDS
from sagemaker_rollout.spec.errors import PropertyError
from sagemaker_rollout.spec.shapes import is_intrinsic

__all__ = [
    "CALL_TIMEOUT_SECONDS",
    "CONSENT_TAG",
    "DEFAULT_COUNT",
    "MAX_COUNT",
    "REACH_PROBABILITY",
    "SMOKE_FUNCTIONS_ENV",
    "SmokeBake",
    "SmokeTest",
    "calls_to_reach",
    "function_allowed",
    "parse_smoke_test",
    "smoke_bakes",
]

SMOKE_FUNCTIONS_ENV = "SAGEMAKER_ROLLOUT_SMOKE_FUNCTIONS"
"""The Lambda function name pattern the custom resource may invoke as smoke tests (template:
``SmokeTestFunctionNamePattern``, IAM wildcards; empty: none, the default). The registry type's
pattern is its type configuration's ``SmokeTestFunctionNamePattern``, carried by each request
(:attr:`sagemaker_rollout.rollout.request.RolloutRequest.smoke_functions`)."""
CONSENT_TAG = SMOKE_CONSENT_TAG
"""A function consents to be invoked as a smoke test by carrying this tag with the value ``true``
(the provider reads it with ListTags before the rollout, and its role may invoke only functions
that carry it: ``aws:ResourceTag`` on ``lambda:InvokeFunction``, Lambda developer guide, "Using
attribute-based access control in Lambda")."""
CALL_TIMEOUT_SECONDS = INVOKE_TIMEOUT_SECONDS
"""Each call is bounded to 60 s: "A customer's model containers must respond to requests within 60
seconds" (SageMaker API reference, InvokeEndpoint); a smoke function gets the same bound."""
DEFAULT_COUNT = 3
MAX_COUNT = 100
REACH_PROBABILITY = 0.95
"""A mixed-fleet bake is smoke-tested only when ``Count`` calls reach the new fleet with at least
this probability (contract section 9)."""
MAX_BODY_BYTES = 6 * 1024 * 1024
"""InvokeEndpoint's ``Body``: at most 6 MB (SageMaker API reference, InvokeEndpoint, Body)."""
_FUNCTION_ARN = re.compile(
    r"arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9-_]{1,64})(:[a-zA-Z0-9-_$]+)?"
)
_KEYS = ("FunctionArn", "Invoke", "Count")
_INVOKE_KEYS = ("Body", "ContentType", "ExpectStatus", "ExpectContentType")


@dataclass(frozen=True)
class SmokeTest:
    """A validated ``SmokeTest``.

    Attributes
    ----------
    function_arn:
        The Lambda the provider invokes (``RequestResponse``), or '' for ``Invoke``.
    body, content_type, expect_status, expect_content_type:
        ``Invoke``: what InvokeEndpoint sends, and what a passing answer looks like (status 200 by
        default; a model's other statuses arrive as ``ModelError`` with ``OriginalStatusCode``).
    count:
        Calls per run (default 3).
    """

    function_arn: str = ""
    body: str = ""
    content_type: str = "application/json"
    expect_status: int = 200
    expect_content_type: str = ""
    count: int = DEFAULT_COUNT

    @property
    def kind(self) -> str:
        return "function" if self.function_arn else "invoke"

    def describe(self) -> str:
        what = f"function {self.function_arn}" if self.function_arn else "InvokeEndpoint"
        return f"{what}, {self.count} call(s)"


def calls_to_reach(share: float, probability: float = REACH_PROBABILITY) -> int:
    """Calls needed for at least one to land on a fleet taking ``share`` of the traffic with
    ``probability`` (independent calls: ``1 - (1 - share) ** n >= probability``)."""
    if share >= 1.0:
        return 1
    if share <= 0.0:
        return MAX_COUNT + 1
    return math.ceil(math.log(1.0 - probability) / math.log(1.0 - share) - 1e-9)


@dataclass(frozen=True)
class SmokeBake:
    """One watched bake of the rollout's timeline, as the smoke test sees it."""

    part: int
    name: str
    share: float
    runs: bool

    @property
    def mixed(self) -> bool:
        return self.share < 1.0


def smoke_bakes(parts: Sequence[Any], count: int) -> list[SmokeBake]:
    """The watched bakes of a timeline (:class:`sagemaker_rollout.spec.timeline.Part` objects, with
    their ``share``) and whether ``count`` calls run in each."""
    out: list[SmokeBake] = []
    for index, part in enumerate(parts):
        if part.stage != "Baking" or not part.watched:
            continue
        share = float(getattr(part, "share", 1.0))
        out.append(SmokeBake(index, part.name, share, count >= calls_to_reach(share)))
    return out


def function_allowed(arn: str, pattern: str) -> bool:
    """``arn``'s function name matches ``pattern`` (IAM wildcards ``*`` and ``?``; '' allows none)."""
    if not pattern:
        return False
    match = _FUNCTION_ARN.fullmatch(arn)
    if match is None:
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, match.group(5), re.DOTALL) is not None


def _text(raw: Any, path: str, *, limit: int, allow_intrinsics: bool) -> str | None:
    if allow_intrinsics and is_intrinsic(raw):
        return None
    if not isinstance(raw, str):
        raise PropertyError(path, f"{raw!r} must be a string")
    if len(raw.encode()) > limit:
        raise PropertyError(path, f"is {len(raw.encode())} bytes; at most {limit}")
    return raw


def _whole(raw: Any, path: str, low: int, high: int, allow_intrinsics: bool) -> int | None:
    if allow_intrinsics and is_intrinsic(raw):
        return None
    value: Any = raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        value = int(raw.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PropertyError(path, f"{raw!r} must be a whole number from {low} to {high}")
    return value


def parse_smoke_test(
    raw: Any, *, allow_intrinsics: bool = False, function_pattern: str | None = None
) -> SmokeTest | None:
    """Validate ``SmokeTest`` (None when absent).

    Parameters
    ----------
    function_pattern:
        The function name pattern the provider may invoke (:data:`SMOKE_FUNCTIONS_ENV`; '' none);
        None: not checked (linting a template, where the provider stack is unknown).

    Raises
    ------
    PropertyError
        One line naming the property and what is allowed.
    """
    if raw is None:
        return None
    if allow_intrinsics and is_intrinsic(raw):
        return None
    if not isinstance(raw, Mapping):
        raise PropertyError("SmokeTest", "must be an object: FunctionArn or Invoke, and optionally Count")
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise PropertyError(f"SmokeTest.{unknown[0]}", f"unknown; allowed: {', '.join(_KEYS)}")
    if ("FunctionArn" in raw) == ("Invoke" in raw):
        raise PropertyError(
            "SmokeTest", "needs exactly one of FunctionArn (a Lambda) and Invoke (InvokeEndpoint)"
        )
    count = DEFAULT_COUNT
    if "Count" in raw:
        count = _whole(raw["Count"], "SmokeTest.Count", 1, MAX_COUNT, allow_intrinsics) or DEFAULT_COUNT
    if "FunctionArn" in raw:
        arn = _text(raw["FunctionArn"], "SmokeTest.FunctionArn", limit=256, allow_intrinsics=allow_intrinsics)
        if arn is None:
            return SmokeTest(function_arn="arn:unresolved", count=count)
        if _FUNCTION_ARN.fullmatch(arn) is None:
            raise PropertyError(
                "SmokeTest.FunctionArn",
                f"{arn!r} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)",
            )
        if function_pattern is not None and not function_allowed(arn, function_pattern):
            allowed = function_pattern or "none"
            raise PropertyError(
                "SmokeTest.FunctionArn",
                f"{arn!r} is not a function this provider may invoke (allowed names: {allowed}; set by "
                "SmokeTestFunctionNamePattern: the provider stack's parameter, or the registry type's "
                "type configuration)",
            )
        return SmokeTest(function_arn=arn, count=count)
    invoke = raw["Invoke"]
    if not isinstance(invoke, Mapping):
        raise PropertyError(
            "SmokeTest.Invoke", "must be an object: Body, ContentType, ExpectStatus, ExpectContentType"
        )
    unknown = sorted(str(k) for k in invoke if k not in _INVOKE_KEYS)
    if unknown:
        raise PropertyError(f"SmokeTest.Invoke.{unknown[0]}", f"unknown; allowed: {', '.join(_INVOKE_KEYS)}")
    if "Body" not in invoke:
        raise PropertyError("SmokeTest.Invoke.Body", "is required (the request body sent to the endpoint)")
    body = _text(
        invoke["Body"], "SmokeTest.Invoke.Body", limit=MAX_BODY_BYTES, allow_intrinsics=allow_intrinsics
    )
    content_type = "application/json"
    if "ContentType" in invoke:
        content_type = (
            _text(
                invoke["ContentType"],
                "SmokeTest.Invoke.ContentType",
                limit=1024,
                allow_intrinsics=allow_intrinsics,
            )
            or content_type
        )
    status = 200
    if "ExpectStatus" in invoke:
        status = (
            _whole(invoke["ExpectStatus"], "SmokeTest.Invoke.ExpectStatus", 100, 599, allow_intrinsics) or 200
        )
    expect_type = ""
    if "ExpectContentType" in invoke:
        expect_type = (
            _text(
                invoke["ExpectContentType"],
                "SmokeTest.Invoke.ExpectContentType",
                limit=1024,
                allow_intrinsics=allow_intrinsics,
            )
            or ""
        )
    return SmokeTest(
        body=body or "",
        content_type=content_type,
        expect_status=status,
        expect_content_type=expect_type,
        count=count,
    )
