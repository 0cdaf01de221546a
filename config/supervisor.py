"""Keeps a few child processes running (`make run`: web, Celery worker and beat), restarting one that dies.

A child that exits is restarted after a short back-off (1 s, doubling with each restart inside the
window), and the supervisor says so: ``worker exited (code 1); restarting in 1 s``. The others are
left alone. A child that keeps dying (more than ``max_restarts`` exits within ``window`` seconds) is
given up on with a clear message, and then everything stops: a crash loop needs a person, not a log
scrolling by. A stop request (Ctrl-C, SIGTERM) stops every child: SIGTERM, then SIGKILL for any child
still running after ``grace`` seconds.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    command: Sequence[str]
    process: subprocess.Popen | None = None
    exits: deque = field(default_factory=deque)  # monotonic times of recent exits
    restart_at: float | None = None  # set while waiting out the back-off


class Supervisor:
    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        backoff: float = 1.0,
        max_backoff: float = 8.0,
        max_restarts: int = 5,
        window: float = 60.0,
        grace: float = 10.0,
        poll: float = 0.2,
        say: Callable[[str], None] | None = None,
        popen: Callable[..., subprocess.Popen] = subprocess.Popen,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.children = {name: Child(name, list(command)) for name, command in commands.items()}
        self.backoff, self.max_backoff = backoff, max_backoff
        self.max_restarts, self.window = max_restarts, window
        self.grace, self.poll = grace, poll
        self.say = say or (lambda message: print(message, flush=True))
        self.popen, self.clock = popen, clock
        self._stopping = False  # a plain flag: an Event's lock is not safe to take in a signal handler
        self.gave_up: str | None = None  # the child given up on, if any

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        for child in self.children.values():
            if child.process is None:
                self._spawn(child)

    def request_stop(self, *_signal_args) -> None:
        """Safe from a signal handler and from another thread: the loop notices and stops every child."""
        self._stopping = True

    def run(self) -> int:
        """Start the children (unless started) and supervise until a stop request or giving up.
        Every child is stopped on the way out. 0 after a stop request, 1 after giving up."""
        self.start()
        try:
            while not self._stopping:
                self.check()
                if self.gave_up:
                    break
                time.sleep(self.poll)
        finally:
            self.stop_all()
        return 1 if self.gave_up else 0

    def check(self) -> None:
        """One pass: notice children that exited, restart those whose back-off is over."""
        now = self.clock()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at and not self._stopping:
                    child.restart_at = None
                    self._spawn(child)
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            child.exits.append(now)
            while child.exits and now - child.exits[0] > self.window:
                child.exits.popleft()
            if len(child.exits) > self.max_restarts:
                self.gave_up = child.name
                self.say(
                    f"{child.name} exited (code {code}) {len(child.exits)} times within {self.window:g} s; "
                    "giving up: stopping everything. Fix what makes it exit (its output is above) and "
                    "start again."
                )
                return
            delay = min(self.backoff * 2 ** (len(child.exits) - 1), self.max_backoff)
            child.restart_at = now + delay
            self.say(f"{child.name} exited (code {code}); restarting in {delay:g} s")

    def stop_all(self) -> None:
        running = [c.process for c in self.children.values() if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.grace
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self, child: Child) -> None:
        restarted = child.process is not None
        child.process = self.popen(child.command)
        if restarted:
            self.say(f"{child.name} restarted (pid {child.process.pid})")


def supervise(
    commands: Mapping[str, Sequence[str]], *, on_started: Callable[[], None] = lambda: None, **options
) -> int:
    """Run ``commands`` under a Supervisor until Ctrl-C or SIGTERM (main thread only: it installs the
    signal handlers). Returns the exit status for the caller to exit with."""
    supervisor = Supervisor(commands, **options)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    supervisor.start()
    on_started()
    return supervisor.run()
