"""The ``Custom::SageMakerEndpoint`` provider: handler (the custom-resource adapter), runtime, AWS helpers.

``handler`` and ``configure`` are imported on first use, so that modules under this package (the
AWS helpers, autoscaling, reading) can be imported by the engine without a cycle.
"""

from __future__ import annotations

from typing import Any

from sagemaker_rollout.provider.runtime import ProviderRuntime, ProviderSettings

__all__ = ["ProviderRuntime", "ProviderSettings", "configure", "handler"]


def __getattr__(name: str) -> Any:
    if name in ("configure", "handler"):
        import importlib

        module = importlib.import_module("sagemaker_rollout.provider.handler")
        # Importing the submodule bound the package attribute "handler" to the module: rebind both
        # names to the functions, as an eager "from .handler import configure, handler" would.
        globals()["configure"] = module.configure
        globals()["handler"] = module.handler
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
