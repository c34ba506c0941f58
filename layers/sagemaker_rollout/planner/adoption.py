"""Adoption (``AdoptExistingEndpoint``, contract section 8): who may be taken over, how it is given back.

Part of :mod:`sagemaker_rollout.planner` (pure, no AWS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_rollout.naming import ADOPTABLE_TAG, LOGICAL_ID_TAG, MANAGED_BY_TAG, STACK_ID_TAG
from sagemaker_rollout.planner.model import CurrentEndpoint, blocked_by_autoscaling, diff_variants

__all__ = ["Release", "adoption_refusal", "plan_release"]


def adoption_refusal(
    endpoint: str,
    tags: Mapping[str, str],
    status: str,
    *,
    adopt: bool,
    request_type: str,
) -> str | None:
    """Why an existing endpoint this stack resource does not own cannot be taken over, or None.

    Called only for an endpoint that is not this stack resource's. None means: adopt it (once it
    is not busy). The order gives the most useful reason first: another stack's endpoint is never
    adopted, whatever its tags say; then the property; then the owner's consent; then the state
    SageMaker leaves no way out of (``Failed``: "DeleteEndpoint is the only operation that can be
    performed on a failed endpoint", DescribeEndpoint API reference, ``EndpointStatus``:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html).

    Parameters
    ----------
    endpoint:
        The endpoint's name.
    tags:
        Its tags now (``ListTags``).
    status:
        Its ``EndpointStatus``.
    adopt:
        ``AdoptExistingEndpoint``.
    request_type:
        ``Create`` adopts; an ``Update`` (an ``EndpointName`` change included) never does.
    """
    stack = tags.get(STACK_ID_TAG)
    if stack or tags.get(MANAGED_BY_TAG):
        owner = f"resource {tags.get(LOGICAL_ID_TAG, '?')} of stack {stack}" if stack else "another resource"
        return (
            f"EndpointName: endpoint {endpoint} already exists and is managed by {owner}; "
            "choose another EndpointName (an endpoint another stack owns is never adopted)"
        )
    if not adopt:
        return (
            f"EndpointName: endpoint {endpoint} already exists and is not managed by this stack resource; "
            f"to bring it under the provider, tag it {ADOPTABLE_TAG}=true and set "
            "AdoptExistingEndpoint: true, or choose another EndpointName"
        )
    if request_type != "Create":
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} is not managed by this stack resource and only "
            "a Create adopts; add the resource under a new logical id to adopt it, or choose another "
            "EndpointName"
        )
    consent = tags.get(ADOPTABLE_TAG)
    if consent != "true":
        seen = f" (it is {consent!r})" if consent is not None else ""
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} lacks its owner's consent, the tag "
            f"{ADOPTABLE_TAG}=true{seen}; tag it so, or choose another EndpointName"
        )
    if status == "Failed":
        return (
            f"AdoptExistingEndpoint: endpoint {endpoint} is Failed and SageMaker only lets a Failed endpoint "
            "be deleted; delete it (then the provider creates it) or choose another EndpointName"
        )
    return None


@dataclass(frozen=True)
class Release:
    """How the Delete of a failed adoption gives the endpoint back.

    ``action``: ``wait`` (SageMaker is busy with it), ``untag`` (it runs its original config:
    only the ownership tags go), ``move-back`` (UpdateEndpoint back to the original config, without
    a DeploymentConfig, ``suspend`` deregistered around it as in any update, then untag).
    """

    action: str
    suspend: tuple[str, ...] = ()


def plan_release(
    current: CurrentEndpoint, original: Sequence[Mapping[str, Any]], original_config: str
) -> Release:
    """Plan the release of an adopted endpoint back to ``original_config`` (its ``ProductionVariants``).

    An endpoint ``InService`` on its original config needs nothing but untagging (a failed guarded
    update that SageMaker rolled back ends there). ``Failed`` cannot be updated (DeleteEndpoint is
    the only operation SageMaker allows on it, see :func:`adoption_refusal`), so it is untagged
    where it is. Anything else settled (``InService`` on the provider's config,
    ``UpdateRollbackFailed``: a possibly mixed fleet) moves back.
    """
    if current.busy:
        return Release("wait")
    if current.status == "Failed" or (
        current.status == "InService" and current.config_name == original_config
    ):
        return Release("untag")
    changes = diff_variants(current.variants or current.live_variants, original)
    return Release("move-back", blocked_by_autoscaling(changes, current.autoscaled))
