"""Many simulated Lambda invocations at once on one simulated clock, run one at a time.

:class:`~sagemaker_rollout.clock.SimulatedClock` moves only when someone sleeps on it, so one
invocation that sleeps moves everybody's time: fine for one request at a time (the CloudFormation
driver), wrong for two hundred rollouts in one account, where each invocation waits on its own.
:class:`CooperativeClock` gives every task (one simulated invocation) its own thread and lets exactly
one thread run at a time: a task that sleeps hands the baton back to the scheduler, which moves the
shared time to the next thing due (a task waking up, a new task starting, a ``call_later`` timer)
and runs it. Runs are deterministic: the order is time, then the order things were scheduled in.

A listener registered with :meth:`CooperativeClock.on_advance` from inside a task belongs to that
task: it runs in the task's thread when the task wakes up (the fake Lambda context uses one to kill
an invocation that slept past its deadline, raising inside the invocation as Lambda would).
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sagemaker_rollout.clock import SimulatedClock

__all__ = ["CooperativeClock", "TaskError"]


class TaskError(RuntimeError):
    """A task raised an exception the scheduler was not told to expect."""


@dataclass
class _Task:
    name: str
    body: Callable[[], None]
    go: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    done: bool = False
    error: BaseException | None = None
    listeners: list[Callable[[float], None]] = field(default_factory=list)


class CooperativeClock(SimulatedClock):
    """A simulated clock with cooperative tasks (see the module docstring).

    Parameters
    ----------
    start:
        Initial time (epoch seconds), as :class:`SimulatedClock`.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        super().__init__(start)
        self._agenda: list[tuple[float, int, _Task]] = []
        self._order = itertools.count()
        self._yielded = threading.Event()
        self._by_thread: dict[int, _Task] = {}
        self.errors: list[tuple[str, BaseException]] = []
        self.tasks_run = 0

    # ---- tasks ---------------------------------------------------------------------------------
    def spawn(self, delay: float, body: Callable[[], None], name: str = "task") -> None:
        """Run ``body`` as a new task ``delay`` simulated seconds from now."""
        task = _Task(name, body)
        heapq.heappush(self._agenda, (self.now() + max(delay, 0.0), next(self._order), task))

    def _current(self) -> _Task | None:
        return self._by_thread.get(threading.get_ident())

    def in_task(self) -> bool:
        """Whether the caller runs inside a task (not the scheduler)."""
        return self._current() is not None

    def sleep(self, seconds: float) -> None:
        task = self._current()
        if task is None:
            super().sleep(seconds)
            return
        if seconds <= 0:
            return
        self.slept += seconds
        heapq.heappush(self._agenda, (self.now() + seconds, next(self._order), task))
        self._yielded.set()
        task.go.wait()
        task.go.clear()
        for listener in list(task.listeners):
            listener(self.now())

    def advance(self, seconds: float) -> None:
        if self._current() is not None:  # a task cannot move everybody's time: it waits instead
            self.sleep(seconds)
            return
        super().advance(seconds)

    def on_advance(self, listener: Callable[[float], None]) -> Callable[[], None]:
        task = self._current()
        if task is None:
            return super().on_advance(listener)
        task.listeners.append(listener)

        def remove() -> None:
            if listener in task.listeners:
                task.listeners.remove(listener)

        return remove

    # ---- the scheduler ---------------------------------------------------------------------------
    def pending(self) -> int:
        """Tasks waiting to start or to wake up."""
        return len(self._agenda)

    def run(self, until: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Run tasks and timers in time order until nothing is due, ``until``, or ``stop()``."""
        if self._current() is not None:
            raise TaskError("CooperativeClock.run: called from inside a task")
        while self._agenda:
            if stop is not None and stop():
                return
            due = self._agenda[0][0]
            timer = self.next_timer()
            if until is not None and min(due, timer if timer is not None else due) > until:
                break
            if timer is not None and timer <= due:
                super().advance(max(timer - self.now(), 0.0))  # fires it (it may schedule tasks)
                continue
            _, _, task = heapq.heappop(self._agenda)
            if due > self.now():
                super().advance(due - self.now())
            self._resume(task)
        if until is not None and until > self.now():
            super().advance(until - self.now())

    def _resume(self, task: _Task) -> None:
        if task.thread is None:
            task.thread = threading.Thread(target=self._main, args=(task,), name=task.name, daemon=True)
            task.thread.start()
            while task.thread.ident is None:  # pragma: no cover - set by start()
                pass
            self._by_thread[task.thread.ident] = task
            self.tasks_run += 1
        self._yielded.clear()
        task.go.set()
        self._yielded.wait()
        if task.done:
            task.thread.join()
            if task.thread.ident is not None:
                self._by_thread.pop(task.thread.ident, None)
            if task.error is not None:
                self.errors.append((task.name, task.error))

    def _main(self, task: _Task) -> None:
        task.go.wait()
        task.go.clear()
        try:
            task.body()
        except BaseException as error:  # the task's own outcome: kept for the caller to judge
            task.error = error
        finally:
            task.done = True
            self._yielded.set()
