"""`make run`'s supervisor (config/supervisor.py) with small dummy children instead of web, worker and
beat: a child that dies is restarted and the terminal says so, the others are left alone; one that
keeps dying is given up on; Ctrl-C and SIGTERM stop every child."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from config.supervisor import Supervisor

PYTHON = sys.executable
SLEEPER = [PYTHON, "-c", "import time; time.sleep(120)"]
PATIENCE = 20  # seconds: only reached when something is wrong


def eventually(condition, what: str):
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {PATIENCE} s")


@pytest.fixture
def supervised():
    """A started supervisor of web, worker and beat stand-ins, running in a thread; stopped after."""
    messages: list[str] = []
    supervisor = Supervisor(
        {"web": SLEEPER, "worker": SLEEPER, "beat": SLEEPER},
        backoff=0.05,
        poll=0.02,
        grace=5,
        say=messages.append,
    )
    supervisor.start()
    thread = threading.Thread(target=supervisor.run)
    thread.start()
    yield supervisor, messages
    supervisor.request_stop()
    thread.join(timeout=PATIENCE)


def pid_of(supervisor, name: str) -> int:
    return supervisor.children[name].process.pid


def test_a_child_that_dies_is_restarted_says_so_and_the_others_are_left_alone(supervised):
    supervisor, messages = supervised
    before = {name: pid_of(supervisor, name) for name in ("web", "worker", "beat")}

    supervisor.children["worker"].process.kill()
    eventually(lambda: pid_of(supervisor, "worker") != before["worker"], "the worker's restart")

    assert messages[0] == f"worker exited (code {-signal.SIGKILL}); restarting in 0.05 s"
    assert messages[1] == f"worker restarted (pid {pid_of(supervisor, 'worker')})"
    assert supervisor.children["worker"].process.poll() is None
    for name in ("web", "beat"):
        assert pid_of(supervisor, name) == before[name]
        assert supervisor.children[name].process.poll() is None


def test_a_stop_request_stops_every_child(supervised):
    supervisor, _ = supervised
    processes = [child.process for child in supervisor.children.values()]

    supervisor.request_stop()
    eventually(lambda: all(process.poll() is not None for process in processes), "every child stopping")


def test_a_child_that_keeps_dying_is_given_up_on_and_everything_stops():
    messages: list[str] = []
    supervisor = Supervisor(
        {"web": SLEEPER, "worker": [PYTHON, "-c", "raise SystemExit(3)"]},
        backoff=0.01, max_restarts=2, window=60, poll=0.01, grace=5, say=messages.append,
    )  # fmt: skip

    assert supervisor.run() == 1

    exits = [message for message in messages if message.startswith("worker exited")]
    assert exits[:2] == [
        "worker exited (code 3); restarting in 0.01 s",
        "worker exited (code 3); restarting in 0.02 s",
    ]
    assert exits[2].startswith("worker exited (code 3) 3 times within 60 s; giving up: stopping everything.")
    assert supervisor.gave_up == "worker"
    assert supervisor.children["web"].process.poll() is not None


def test_the_back_off_doubles_up_to_its_ceiling_and_restarts_are_forgotten_after_the_window():
    now = [0.0]
    messages: list[str] = []

    class Dead:
        pid = 1

        def poll(self):
            return 1

    supervisor = Supervisor(
        {"worker": ["unused"]}, backoff=1, max_backoff=4, max_restarts=10, window=60,
        say=messages.append, popen=lambda command: Dead(), clock=lambda: now[0],
    )  # fmt: skip
    supervisor.start()
    for _ in range(4):
        supervisor.check()  # notices the exit
        now[0] += 10
        supervisor.check()  # restarts it
    now[0] += 120  # a quiet while: the count starts again
    supervisor.check()

    delays = [message.split("restarting in ")[1] for message in messages if "restarting in" in message]
    assert delays == ["1 s", "2 s", "4 s", "4 s", "1 s"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_ctrl_c_or_sigterm_to_the_supervisor_stops_every_child(signum):
    # One write per line: the children share the supervisor's stdout.
    child = [PYTHON, "-c", "import os, time; os.write(1, b'%d\\n' % os.getpid()); time.sleep(120)"]
    script = (
        "import sys\n"
        "from config.supervisor import supervise\n"
        f"commands = {{'web': {child!r}, 'worker': {child!r}}}\n"
        "sys.exit(supervise(commands, on_started=lambda: print('up', flush=True)))\n"
    )
    root = Path(__file__).resolve().parents[1]
    supervisor = subprocess.Popen(
        [PYTHON, "-c", script],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    lines = [supervisor.stdout.readline().strip() for _ in range(3)]
    pids = [int(line) for line in lines if line.isdigit()]
    assert "up" in lines
    assert len(pids) == 2

    supervisor.send_signal(signum)

    assert supervisor.wait(timeout=PATIENCE) == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
