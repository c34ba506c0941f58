"""How long simulated SageMaker operations take, in simulated seconds."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Timings"]


@dataclass(frozen=True)
class Timings:
    """Durations of simulated SageMaker operations (simulated seconds).

    The defaults are in the range real endpoints show for small CPU fleets.

    Attributes
    ----------
    create:
        ``Creating`` -> ``InService`` (or ``Failed``) for an instance-backed endpoint.
    serverless_create:
        ``Creating`` -> ``InService`` for a serverless endpoint.
    provision:
        Provisioning the new (green) fleet of a blue/green update, before traffic shifts.
    serverless_update:
        Provisioning the new capacity of a serverless endpoint during an update.
    rolling_batch:
        Provisioning one batch of a rolling update.
    rollback:
        ``RollingBack`` of a blue/green update (traffic back to the old fleet, new fleet torn down).
    rolling_rollback_batch:
        Rolling one batch back during the rollback of a rolling update.
    scale:
        ``UpdateEndpointWeightsAndCapacities`` that changes instance counts.
    reweight:
        ``UpdateEndpointWeightsAndCapacities`` that changes only weights.
    delete:
        ``Deleting`` -> gone.
    """

    create: float = 300.0
    serverless_create: float = 120.0
    provision: float = 300.0
    serverless_update: float = 180.0
    rolling_batch: float = 240.0
    rollback: float = 120.0
    rolling_rollback_batch: float = 120.0
    scale: float = 180.0
    reweight: float = 30.0
    delete: float = 60.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"Timings.{name}: {value} is negative; durations must be >= 0 seconds")
