"""Run a command under measurement: its exit code passes through, Ctrl-C reaches it.

SIGINT (and SIGTERM) are forwarded to the child, unless this process is the terminal's
foreground process group: a Ctrl-C typed there already reached the child with us, and a
second copy would make a program that saves its state on the first Ctrl-C quit on the
"second". After the first signal we wait for the child to end (its shutdown is its energy
too); a second signal stops waiting. Either way the measurement is kept, marked incomplete,
and the exit code is 128 + the signal number (130 for Ctrl-C), as a shell reports it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from ccf_py.errors import ConfigError
from ccf_py.measure.rapl import DEFAULT_POWERCAP_ROOT
from ccf_py.measure.session import DEFAULT_INTERVAL_S, MeasurementResult, Session


@dataclass(frozen=True)
class CommandRun:
    exit_code: int                  # what ccf-py measure exits with
    command_exit_code: int | None   # the command's own (128 + N when signal N ended it)
    result: MeasurementResult


class _StopWaiting(Exception):
    pass


def _shell_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _group_got_it() -> bool:
    """Whether a terminal's Ctrl-C reaches the child directly (we are its foreground group)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def run_command(argv: Sequence[str], *, interval_s: float = DEFAULT_INTERVAL_S,
                powercap_root: str | Path = DEFAULT_POWERCAP_ROOT) -> CommandRun:
    """Measure ``argv`` from just before it starts until it ends (stdio inherited)."""
    session = Session(interval_s, powercap_root).start()
    try:
        proc = subprocess.Popen(list(argv))
    except OSError as exc:
        session.stop()
        error = ConfigError(f"{argv[0]}: cannot run it ({exc.strerror or exc})")
        # as a shell says it: 127 not found, 126 found but not runnable
        error.exit_code = 127 if isinstance(exc, FileNotFoundError) else 126  # type: ignore[attr-defined]
        raise error from None
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if not (signum == signal.SIGINT and _group_got_it()) and proc.poll() is None:
            proc.send_signal(signum)
        if len(received) > 1:
            raise _StopWaiting

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        returncode: int | None = proc.wait()
    except _StopWaiting:
        returncode = proc.poll()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        result = session.stop(interrupted=bool(received))
    command_code = None if returncode is None else _shell_code(returncode)
    exit_code = 128 + received[0] if received else command_code
    return CommandRun(exit_code if exit_code is not None else 1, command_code, result)
