"""Act only on CloudFormation's requests for this function's own account and region (contract 8, "Origin").

Anyone who may invoke the function could hand it a forged event. Before any AWS call and before any
response, the handler asks :func:`check_origin`; a request it rejects is logged at ERROR and dropped
(no AWS call, no PUT to its ResponseURL).

What a genuine request looks like (AWS CloudFormation user guide):

* ``ResponseURL`` is "a pre-signed Amazon S3 URL" (custom resource request objects,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html) on the bucket
  ``cloudformation-custom-resource-response-<region without dashes>``, e.g. ``uswest2`` ("Setting up
  VPC endpoints for CloudFormation": "For custom resources, permit traffic to the
  cloudformation-custom-resource-response-region bucket. When using custom resources, AWS Region
  names don't contain dashes",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-vpce-bucketnames.html). The
  bucket is reached through S3's virtual-hosted names: ``<bucket>.s3.amazonaws.com`` (legacy global
  endpoint, ``aws`` partition), ``<bucket>.s3-<region>.amazonaws.com`` (legacy dash form: the sample
  event of "Using AWS Lambda with CloudFormation",
  https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html, shows
  ``cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com`` with a
  ``Signature`` query; its China edition ``...-cnnorth1.s3.cn-north-1.amazonaws.com.cn``) and
  ``<bucket>.s3.<region>.amazonaws.com`` (S3 user
  guide, "Virtual hosting of buckets" / "Regional and zonal endpoints",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html); China regions end in
  ``.amazonaws.com.cn`` (https://docs.amazonaws.cn/en_us/aws/latest/userguide/endpoints-arns.html).
  The ``AllowedResponseUrlHosts`` stack parameter replaces this list (PrivateLink endpoints).
* A pre-signed URL carries its signature in the query: ``X-Amz-Signature`` (Signature Version 4,
  https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html) or ``Signature``
  (Signature Version 2 query authentication,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth).
* ``StackId`` is the stack's ARN, ``arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>``
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html#awscloudformation-resources-for-iam-policies).
  CloudFormation invokes a custom resource's function only from a stack of the same region; the
  provider also requires the function's own account.

The local driver and the demo PUT to ``https://127.0.0.1:<port>``: the test kit sets
:attr:`ProviderRuntime.origin_policy <sagemaker_rollout.aws.runtime.ProviderRuntime>` in code to a
policy naming that host. Nothing in the event or the environment can relax the check.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sagemaker_rollout.aws.runtime import OriginScreen

__all__ = [
    "RESPONSE_HOSTS_ENV",
    "OriginPolicy",
    "check_origin",
    "default_response_hosts",
    "screen",
]

RESPONSE_HOSTS_ENV = "SAGEMAKER_ROLLOUT_RESPONSE_HOSTS"
"""Comma-separated hosts replacing the default allow-list (stack parameter ``AllowedResponseUrlHosts``)."""

_SIGNATURE_PARAMS = ("X-Amz-Signature", "Signature")
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_FUNCTION_ARN_RE = re.compile(
    r"arn:(?P<partition>[a-z-]+):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
)


def _dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def default_response_hosts(region: str, partition: str) -> tuple[str, ...]:
    """CloudFormation's custom-resource response bucket hosts for ``region`` (see the module docstring)."""
    bucket = f"cloudformation-custom-resource-response-{region.replace('-', '')}"
    suffix = _dns_suffix(partition)
    hosts = [f"{bucket}.s3-{region}.{suffix}", f"{bucket}.s3.{region}.{suffix}"]
    if partition == "aws":
        hosts.insert(0, f"{bucket}.s3.amazonaws.com")
    return tuple(hosts)


def check_origin(
    event: Mapping[str, Any],
    *,
    account_id: str,
    region: str,
    partition: str,
    allowed_response_hosts: Iterable[str] | None = None,
    require_presigned: bool = True,
) -> str | None:
    """Why ``event`` is not a CloudFormation request for this account and region, or None to accept it.

    Parameters
    ----------
    event:
        The invocation's event.
    account_id, region, partition:
        The function's own (from its ARN).
    allowed_response_hosts:
        ``host`` or ``host:port`` entries (case-insensitive); None or empty: :func:`default_response_hosts`.
    require_presigned:
        Require a signature query parameter (False only for the test kit's local response server).

    Returns
    -------
    str or None
        One line naming the field and what is allowed; None when the event is accepted.
    """
    if not isinstance(event, Mapping):
        return "event is not a JSON object"
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url:
        return "ResponseURL is missing"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "ResponseURL is not a valid URL"
    if parts.scheme != "https":
        return f"ResponseURL scheme {parts.scheme or '(none)'!r} is not https"
    if parts.username is not None or parts.password is not None:
        return "ResponseURL carries credentials"
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{port}" if port is not None else host
    allowed = {h.strip().lower() for h in allowed_response_hosts or () if h.strip()}
    if not allowed:
        allowed = set(default_response_hosts(region, partition))
    if netloc not in allowed and not (port == 443 and host in allowed):
        return (
            f"ResponseURL host {netloc!r} is not a CloudFormation response bucket of {region} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    if require_presigned and not any(parse_qs(parts.query).get(p) for p in _SIGNATURE_PARAMS):
        return "ResponseURL is not a pre-signed URL (no X-Amz-Signature or Signature parameter)"
    stack_id = event.get("StackId")
    prefix = f"arn:{partition}:cloudformation:{region}:{account_id}:stack/"
    if not isinstance(stack_id, str) or not stack_id.startswith(prefix) or stack_id.count("/") < 2:
        return f"StackId {str(stack_id)[:160]!r} is not a stack of account {account_id} in {region}"
    return None


@dataclass(frozen=True)
class OriginPolicy:
    """The accepted origin, fixed in code (the test kit's seam; see the module docstring).

    Attributes
    ----------
    account_id, region, partition:
        Whose stacks may send requests.
    allowed_response_hosts:
        ``host`` / ``host:port`` entries the ResponseURL may name.
    require_presigned:
        Require a signature query parameter in the ResponseURL.
    """

    account_id: str
    region: str
    partition: str = "aws"
    allowed_response_hosts: tuple[str, ...] = ()
    require_presigned: bool = True

    def check(self, event: Mapping[str, Any]) -> str | None:
        """:func:`check_origin` with this policy."""
        return check_origin(
            event,
            account_id=self.account_id,
            region=self.region,
            partition=self.partition,
            allowed_response_hosts=self.allowed_response_hosts,
            require_presigned=self.require_presigned,
        )


def screen(event: Mapping[str, Any], context: Any, policy: OriginScreen | None) -> str | None:
    """The handler's one call: ``policy`` if the test kit set one, else the function's own identity.

    In Lambda the account, region and partition come from ``context.invoked_function_arn`` and the
    allow-list from :data:`RESPONSE_HOSTS_ENV` (set by the template from ``AllowedResponseUrlHosts``).
    """
    if policy is not None:
        return policy.check(event)
    match = _FUNCTION_ARN_RE.match(str(getattr(context, "invoked_function_arn", "")))
    if match is None or not _REGION_RE.fullmatch(match["region"]):
        return "cannot tell the function's own account and region from its ARN"
    hosts = os.environ.get(RESPONSE_HOSTS_ENV, "").split(",")
    return check_origin(
        event,
        account_id=match["account"],
        region=match["region"],
        partition=match["partition"],
        allowed_response_hosts=hosts,
    )
