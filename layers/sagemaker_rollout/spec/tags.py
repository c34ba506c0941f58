"""The tags an endpoint and its configs get: the resource's ``Tags`` and, under the registry type,
the stack's tags; SageMaker's limit on their number.

Part of :mod:`sagemaker_rollout.spec`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sagemaker_rollout.spec.errors import PropertyError

__all__ = ["MAX_USER_TAGS", "OWNER_TAG_COUNT", "SAGEMAKER_TAG_LIMIT", "check_tag_count", "merge_stack_tags"]

SAGEMAKER_TAG_LIMIT = 50
"""Tags a SageMaker endpoint or endpoint config may carry (SageMaker API reference, CreateEndpoint and
CreateEndpointConfig ``Tags``: "Array Members: Minimum number of 0 items. Maximum number of 50 items")."""
OWNER_TAG_COUNT = 4
"""The provider's ownership tags on everything it creates (:func:`sagemaker_rollout.naming.owner_tags`)."""
MAX_USER_TAGS = SAGEMAKER_TAG_LIMIT - OWNER_TAG_COUNT
"""Tags left for the user's ``Tags`` (and the stack's, under the registry type)."""
_RESERVED_STACK_PREFIX = "aws:"
"""Keys CloudFormation and AWS reserve: "aws:" cannot begin a user tag key, and CloudFormation's own
resource tags (``aws:cloudformation:*``) are applied by CloudFormation itself (CloudFormation user
guide, "Tag your CloudFormation resources")."""


def check_tag_count(count: int, stack_count: int = 0) -> None:
    """Refuse more tags than SageMaker's limit leaves beside the ownership tags (one line, the count).

    Parameters
    ----------
    count:
        The tags the endpoint would get besides the ownership tags (``Tags`` and the stack's).
    stack_count:
        How many of them are the stack's (said in the reason when not 0).
    """
    if count <= MAX_USER_TAGS:
        return
    source = f" ({count - stack_count} of Tags and {stack_count} stack-level)" if stack_count else ""
    raise PropertyError(
        "Tags",
        f"{count} tags{source} are too many: SageMaker allows {SAGEMAKER_TAG_LIMIT} per endpoint and the "
        f"provider adds its {OWNER_TAG_COUNT} ownership tags, so at most {MAX_USER_TAGS}",
    )


def merge_stack_tags(
    tags: Sequence[Mapping[str, Any]] | None, stack_tags: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The resource's ``Tags`` followed by the stack's tags it does not set itself.

    Stack-level tags (the registry handler request's ``desiredResourceTags`` or
    ``previousResourceTags``) go on the resource as CloudFormation propagates stack tags to the
    resources it creates (CloudFormation user guide, "Tag your CloudFormation resources"); keys
    beginning with ``aws:`` are left out (reserved). A key set in ``Tags`` keeps its ``Tags`` value.

    Raises
    ------
    PropertyError
        The merge is over SageMaker's limit (:func:`check_tag_count`).
    """
    merged = [dict(tag) for tag in tags or () if isinstance(tag, Mapping)]
    own = {str(tag.get("Key")) for tag in merged}
    extra = [
        {"Key": str(key), "Value": str(value)}
        for key, value in sorted((stack_tags or {}).items())
        if str(key) not in own and not str(key).lower().startswith(_RESERVED_STACK_PREFIX)
    ]
    check_tag_count(len(merged) + len(extra), len(extra))
    return merged + extra
