"""pytest plugin: the provider builds its boto3 clients from a built layer's botocore data only.

Loaded with ``-p built_layer_data`` and ``SAGEMAKER_ROLLOUT_BUILT_LAYER=<layer dir>`` (the
directory holding ``python/``, the output of ``make -C layers build-SageMakerRolloutLayer``); the
slow test ``test_built_layer.py::test_functional_suites_pass_with_the_built_layers_botocore_data``
runs the provider's functional suites this way. Every client a ``ProviderRuntime`` builds then
comes from a botocore session whose data loader searches the layer's trimmed ``botocore/data``
and nothing else (``botocore.loaders.Loader(include_default_search_paths=False)``), so a client of
a service the layer does not ship data for fails with ``UnknownServiceError``. That session shares
the test session's event hooks: moto, fault injection and the driver's hooks see every call as
before. The tests' own clients (moto set-up, EventBridge checks) keep the full botocore data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["LayerDataSession", "layer_data_dir"]

_ENV = "SAGEMAKER_ROLLOUT_BUILT_LAYER"
_BUILT: set[str] = set()


def layer_data_dir() -> Path:
    """``botocore/data`` of the layer named by ``SAGEMAKER_ROLLOUT_BUILT_LAYER``."""
    layer = os.environ.get(_ENV)
    if not layer:
        raise pytest.UsageError(f"{_ENV} is not set: name a built layer directory (the one holding python/)")
    data = Path(layer) / "python" / "botocore" / "data"
    if not (data / "endpoints.json").is_file():
        raise pytest.UsageError(f"{_ENV}={layer}: no python/botocore/data/endpoints.json there")
    return data


class LayerDataSession:
    """Builds clients like ``boto3.Session.client`` from the layer's botocore data only.

    Parameters
    ----------
    base:
        The test's boto3 session: its event hooks (moto, faults, driver) and region are shared.
    data:
        The layer's ``botocore/data`` directory.
    """

    def __init__(self, base: Any, data: Path) -> None:
        import botocore.session
        from botocore.loaders import Loader

        self.base = base
        self.region_name = base.region_name
        # The base session's emitter already holds botocore's (and moto's) built-in handlers.
        self._core = botocore.session.Session(event_hooks=base.events, include_builtin_handlers=False)
        self._core.register_component(
            "data_loader", Loader(extra_search_paths=[str(data)], include_default_search_paths=False)
        )

    def client(self, service: str, **kwargs: Any) -> Any:
        """A botocore client for ``service`` (region: the base session's unless given)."""
        kwargs.setdefault("region_name", self.region_name)
        _BUILT.add(service)
        return self._core.create_client(service, **kwargs)


@pytest.fixture(autouse=True)
def built_layer_botocore_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give every ``ProviderRuntime`` a :class:`LayerDataSession` before it builds a client."""
    from sagemaker_rollout.aws.runtime import ProviderRuntime

    data = layer_data_dir()
    original = ProviderRuntime.client

    def client(runtime: ProviderRuntime, service: str) -> Any:
        if runtime.session is not None and not isinstance(runtime.session, LayerDataSession):
            runtime.session = LayerDataSession(runtime.session, data)
        return original(runtime, service)

    monkeypatch.setattr(ProviderRuntime, "client", client)
    yield


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name the services whose clients came from the layer's data (the caller checks them)."""
    terminalreporter.write_line(f"built-layer botocore data: clients built for {','.join(sorted(_BUILT))}")
