"""Origin checks (issue 13, contract section 8): only CloudFormation's requests for this account and region.

Unit cases exercise :func:`check_origin` on the documented host forms; functional cases send forged
events through the real handler and assert that nothing happened: no AWS call by any client of the
session, no PUT to the driver's response server, and the rejection logged at ERROR.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from world import World

from sagemaker_rollout.aws.runtime import ProviderRuntime
from sagemaker_rollout.custom_resource import configure, handler
from sagemaker_rollout.custom_resource.origin import (
    RESPONSE_HOSTS_ENV,
    OriginPolicy,
    check_origin,
    default_response_hosts,
    screen,
)
from sagemaker_rollout_testing import FakeLambdaContext

ACCOUNT = "123456789012"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/1c2fa620-982a-11e3-aff7-50e2416294e0"
SIGNED = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc123"
RESPONSE_BUCKET = "cloudformation-custom-resource-response-"
BUCKET = f"{RESPONSE_BUCKET}useast1"


def _event(url: str, stack_id: str = STACK) -> dict[str, Any]:
    return {"RequestType": "Create", "ResponseURL": url, "StackId": stack_id, "RequestId": "r-1"}


# ------------------------------------------------------------------------------- unit: hosts --
@pytest.mark.parametrize(
    ("region", "partition", "host"),
    [
        ("us-east-1", "aws", f"{BUCKET}.s3.amazonaws.com"),
        ("us-east-1", "aws", f"{BUCKET}.s3-us-east-1.amazonaws.com"),
        ("us-east-1", "aws", f"{BUCKET}.s3.us-east-1.amazonaws.com"),
        ("cn-north-1", "aws-cn", f"{RESPONSE_BUCKET}cnnorth1.s3.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", f"{RESPONSE_BUCKET}usgovwest1.s3.us-gov-west-1.amazonaws.com"),
    ],
)
def test_origin_documented_bucket_hosts_are_accepted(region: str, partition: str, host: str) -> None:
    # GIVEN a signed ResponseURL on the region's response bucket and a StackId of the same account/region
    stack = f"arn:{partition}:cloudformation:{region}:{ACCOUNT}:stack/app/guid"
    # WHEN checked THEN it is accepted
    assert host in default_response_hosts(region, partition)
    reason = check_origin(
        _event(f"https://{host}/key{SIGNED}", stack), account_id=ACCOUNT, region=region, partition=partition
    )
    assert reason is None


def test_origin_signature_version_2_query_is_a_presigned_url() -> None:
    # GIVEN a SigV2 query-string-authenticated URL (AWSAccessKeyId, Expires, Signature)
    url = f"https://{BUCKET}.s3.amazonaws.com/k?AWSAccessKeyId=AKIA&Expires=1&Signature=xyz"
    # WHEN checked THEN it is accepted
    assert check_origin(_event(url), account_id=ACCOUNT, region="us-east-1", partition="aws") is None


@pytest.mark.parametrize(
    ("url", "stack_id", "mentions"),
    [
        (f"http://{BUCKET}.s3.amazonaws.com/k{SIGNED}", STACK, "not https"),
        (f"https://attacker.example.com/k{SIGNED}", STACK, "attacker.example.com"),
        (f"https://{BUCKET}.s3.amazonaws.com.attacker.example/k{SIGNED}", STACK, "is not a CloudFormation"),
        (f"https://{BUCKET}.s3.amazonaws.com/k", STACK, "not a pre-signed URL"),
        (f"https://{BUCKET}.s3.amazonaws.com/k?Signature=", STACK, "not a pre-signed URL"),
        (
            f"https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/k{SIGNED}",
            STACK,
            "euwest1",
        ),
        (f"https://user:pw@{BUCKET}.s3.amazonaws.com/k{SIGNED}", STACK, "credentials"),
        (f"https://{BUCKET}.s3.amazonaws.com:8443/k{SIGNED}", STACK, ":8443"),
        (f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}", STACK.replace(ACCOUNT, "210987654321"), "StackId"),
        (f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}", STACK.replace("us-east-1", "eu-west-1"), "StackId"),
        (f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}", "app", "StackId"),
        ("", STACK, "ResponseURL is missing"),
    ],
    ids=[
        "http",
        "foreign-host",
        "lookalike-host",
        "unsigned",
        "empty-signature",
        "other-region-bucket",
        "credentials-in-url",
        "other-port",
        "other-account-stack",
        "other-region-stack",
        "stack-name-not-arn",
        "no-url",
    ],
)
def test_origin_forged_requests_are_rejected_with_a_reason(url: str, stack_id: str, mentions: str) -> None:
    # GIVEN a request that did not come from CloudFormation for this account and region
    # WHEN checked
    reason = check_origin(_event(url, stack_id), account_id=ACCOUNT, region="us-east-1", partition="aws")
    # THEN it is rejected with one line naming the field
    assert reason is not None and mentions in reason and "\n" not in reason


def test_origin_allow_list_parameter_replaces_the_defaults() -> None:
    # GIVEN the AllowedResponseUrlHosts override (a PrivateLink endpoint's DNS name)
    private = "bucket.vpce-0123-abcd.s3.us-east-1.vpce.amazonaws.com"
    url = f"https://{private}/k{SIGNED}"
    # WHEN checked with and without it THEN only the listed hosts are accepted
    assert check_origin(_event(url), account_id=ACCOUNT, region="us-east-1", partition="aws") is not None
    kwargs = {"account_id": ACCOUNT, "region": "us-east-1", "partition": "aws"}
    assert check_origin(_event(url), allowed_response_hosts=[private.upper()], **kwargs) is None
    default = f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}"
    assert check_origin(_event(default), allowed_response_hosts=[private], **kwargs) is not None


def test_origin_screen_uses_the_function_arn_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a Lambda context of us-east-1 / ACCOUNT and no policy set by a test kit
    context = FakeLambdaContext.__new__(FakeLambdaContext)
    context.invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:provider"
    monkeypatch.delenv(RESPONSE_HOSTS_ENV, raising=False)
    good = _event(f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}")
    # WHEN screened THEN the function's identity decides
    assert screen(good, context, None) is None
    assert screen(_event(good["ResponseURL"], STACK.replace(ACCOUNT, "210987654321")), context, None)
    # AND the environment's allow-list replaces the default one
    monkeypatch.setenv(RESPONSE_HOSTS_ENV, "private.example.com")
    assert screen(good, context, None) is not None
    # AND a policy set in code wins over both (the test kit's seam)
    policy = OriginPolicy(ACCOUNT, "us-east-1", allowed_response_hosts=(f"{BUCKET}.s3.amazonaws.com",))
    assert screen(good, context, policy) is None


def test_origin_policy_cannot_be_relaxed_by_the_event() -> None:
    # GIVEN an event that names its own "allowed hosts" or policy fields
    event = _event(f"https://attacker.example.com/k{SIGNED}")
    event["ResourceProperties"] = {"AllowedResponseUrlHosts": "attacker.example.com"}
    event["origin_policy"] = {"allowed_response_hosts": ["attacker.example.com"]}
    # WHEN checked THEN those fields are ignored
    assert check_origin(event, account_id=ACCOUNT, region="us-east-1", partition="aws") is not None


# ------------------------------------------------------------------ functional: forged events --
class _Calls:
    """Every AWS operation any client of the session makes (provider's and test's)."""

    def __init__(self, session: Any) -> None:
        self.operations: list[str] = []
        session.events.register("before-call", self._record, unique_id="test-origin-calls")
        self._session = session

    def _record(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def close(self) -> None:
        self._session.events.unregister("before-call", unique_id="test-origin-calls")


@pytest.mark.parametrize(
    "forge",
    [
        lambda e: e.update(StackId=e["StackId"].replace("123456789012", "210987654321")),
        lambda e: e.update(StackId=e["StackId"].replace("us-east-1", "eu-west-1")),
        lambda e: e.update(ResponseURL=e["ResponseURL"].replace("https://", "http://")),
        lambda e: e.update(ResponseURL=f"https://{BUCKET}.s3.amazonaws.com/k{SIGNED}"),
        lambda e: e.update(ResponseURL=e["ResponseURL"].replace("127.0.0.1", "localhost")),
    ],
    ids=["other-account", "other-region", "http", "not-the-driver-host", "other-host-same-port"],
)
def test_origin_forged_event_makes_no_aws_call_and_no_put(
    world: World, session: Any, forge: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a Create event through the real handler, forged in one field
    driver = world.driver
    event = driver.event("Create", world.props(), logical_id="Classifier")
    forge(event)
    calls = _Calls(session)
    # WHEN it is delivered
    with caplog.at_level(logging.ERROR):
        try:
            response = driver.send(event)
        finally:
            calls.close()
    # THEN no AWS call was made, nothing was PUT anywhere, and the drop is logged at ERROR
    assert calls.operations == []
    assert not response.answered and driver.all_responses == []
    assert world.sm.list_endpoints()["Endpoints"] == [] and world.configs() == []
    assert any("REQUEST DROPPED" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_origin_genuine_event_through_the_driver_still_works(world: World) -> None:
    # GIVEN the same Create, unforged WHEN delivered THEN the provider acts and answers
    created = world.driver.create(world.props(), logical_id="Classifier")
    assert created.status == "SUCCESS", created.reason


def test_origin_lambda_mode_drops_unsigned_s3_url_before_any_call(
    sim: Any, session: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the provider as Lambda runs it (no test-kit policy), and an unsigned URL on the right bucket
    monkeypatch.delenv(RESPONSE_HOSTS_ENV, raising=False)
    configure(ProviderRuntime(clock=clock, session=session))
    calls = _Calls(session)
    event = {
        "RequestType": "Create",
        "ResponseURL": f"https://{BUCKET}.s3.amazonaws.com/k",
        "StackId": STACK,
        "RequestId": "r-1",
        "LogicalResourceId": "Classifier",
        "ResourceType": "Custom::SageMakerEndpoint",
        "ResourceProperties": {"ServiceToken": "x", "ProductionVariants": []},
    }
    context = FakeLambdaContext(clock, account_id=ACCOUNT, region="us-east-1")
    try:
        # WHEN the handler runs (a PUT to S3 would fail here: there is no network)
        handler(copy.deepcopy(event), context)
    finally:
        calls.close()
        configure(None)
    # THEN it returned without any AWS call
    assert calls.operations == []
