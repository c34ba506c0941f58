"""Run crhelper's "about to time out" timer on the shared clock instead of wall-clock time.

crhelper starts ``threading.Timer(remaining - 0.5 s, send FAILED "Execution timed out")`` for each
invocation. On a simulated clock that timer would never fire (or fire at a wall-clock moment that
means nothing), so a provider that overruns its invocation would look better in tests than in
Lambda. While patched, ``crhelper.resource_helper.threading.Timer`` schedules the callback with
``clock.call_later``: it fires when simulated time reaches it, just before the invocation is killed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from sagemaker_rollout.clock import Clock, ClockTimer

__all__ = ["patch_crhelper_timer"]


class _ClockTimer:
    """The part of :class:`threading.Timer` crhelper uses: ``start`` and ``cancel``."""

    def __init__(
        self,
        clock: Clock,
        interval: float,
        function: Callable[..., Any],
        args: Any = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self._clock = clock
        self.interval = interval
        self.function = function
        self.args = tuple(args or ())
        self.kwargs = dict(kwargs or {})
        self.daemon = True
        self._handle: ClockTimer | None = None
        self.finished = threading.Event()

    def start(self) -> None:
        self._handle = self._clock.call_later(max(self.interval, 0.0), self._fire)

    def _fire(self) -> None:
        if not self.finished.is_set():
            self.finished.set()
            self.function(*self.args, **self.kwargs)

    def cancel(self) -> None:
        self.finished.set()
        if self._handle is not None:
            self._handle.cancel()

    def is_alive(self) -> bool:
        return self._handle is not None and not self.finished.is_set()


class _ThreadingShim(ModuleType):
    def __init__(self, clock: Clock) -> None:
        super().__init__("threading")
        self._clock = clock

    def Timer(self, interval: float, function: Callable[..., Any], *args: Any, **kwargs: Any) -> _ClockTimer:
        return _ClockTimer(self._clock, interval, function, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def patch_crhelper_timer(clock: Clock) -> Callable[[], None]:
    """Patch crhelper (if installed) to time out on ``clock``; returns the function that undoes it."""
    try:
        from crhelper import resource_helper
    except ImportError:  # pragma: no cover - crhelper is a runtime dependency
        return lambda: None
    previous = getattr(resource_helper, "threading", threading)
    setattr(resource_helper, "threading", _ThreadingShim(clock))  # noqa: B010

    def restore() -> None:
        setattr(resource_helper, "threading", previous)  # noqa: B010

    return restore
