"""Time, injected.

The provider waits on SageMaker for up to an hour; the tests, the demo and the benchmarks replay
such waits in milliseconds. Everything that reads the time or sleeps takes a :class:`Clock`:
:class:`SystemClock` in Lambda, :class:`SimulatedClock` everywhere else. The SageMaker simulator,
the provider's wait loop and the fake Lambda context share one simulated clock, so a ``sleep(10)``
in the provider moves the simulated endpoint ten seconds further through its rollout.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ClockTimer", "SimulatedClock", "SystemClock"]


class ClockTimer(Protocol):
    """A pending callback created by :meth:`Clock.call_later`."""

    def cancel(self) -> None:
        """Cancel the callback if it has not run yet."""


@runtime_checkable
class Clock(Protocol):
    """What the provider needs of time."""

    def now(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> ClockTimer:
        """Run ``callback`` once after ``seconds``, unless cancelled."""


class SystemClock:
    """Wall-clock time; ``call_later`` uses a daemon :class:`threading.Timer`."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> ClockTimer:
        timer = threading.Timer(max(seconds, 0.0), callback)
        timer.daemon = True
        timer.start()
        return timer


class _SimulatedTimer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class SimulatedClock:
    """A clock that only moves when someone sleeps on it (or calls :meth:`advance`).

    ``sleep`` returns at once after moving time forward, running due ``call_later`` callbacks in
    order. Listeners registered with :meth:`on_advance` see every move; the fake Lambda context
    uses one to end an invocation at its time limit.

    Parameters
    ----------
    start:
        Initial time in seconds since the epoch (default: 2026-01-01T00:00:00Z).
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = float(start)
        self._start = float(start)
        self._timers: list[tuple[float, int, _SimulatedTimer, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._listeners: list[Callable[[float], None]] = []
        self._lock = threading.RLock()
        self.slept = 0.0

    @property
    def elapsed(self) -> float:
        """Simulated seconds since the clock was created."""
        return self._now - self._start

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward, firing due timers and notifying listeners."""
        target = self._now + max(seconds, 0.0)
        with self._lock:
            while self._timers and self._timers[0][0] <= target:
                due, _, handle, callback = heapq.heappop(self._timers)
                if handle.cancelled:
                    continue
                self._now = max(self._now, due)
                callback()
            self._now = max(self._now, target)
        for listener in list(self._listeners):
            listener(self._now)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> ClockTimer:
        handle = _SimulatedTimer()
        with self._lock:
            heapq.heappush(self._timers, (self._now + max(seconds, 0.0), next(self._seq), handle, callback))
        return handle

    def next_timer(self) -> float | None:
        """When the earliest pending ``call_later`` callback is due (None: none is pending)."""
        with self._lock:
            while self._timers and self._timers[0][2].cancelled:
                heapq.heappop(self._timers)
            return self._timers[0][0] if self._timers else None

    def on_advance(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """Call ``listener(now)`` after every move; returns a function that removes it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove
