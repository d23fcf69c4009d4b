"""Run the real ``asesor serve`` as a child process on a free loopback port.

Why: kill -9, slow clients, log contents and soak figures are only true of a real process, not of
an in-process TestClient. ``AsesorServer`` starts the CLI exactly as a deployment would, waits for
``/health``, and always cleans up (SIGKILL fallback) so no test leaves a server running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from servers import free_port, stop_process

from bot.settings import ROOT

__all__ = ["AsesorServer", "free_port"]


class AsesorServer:
    """``python -m bot.cli serve`` with the given ``ASESOR_*`` environment; output goes to ``log``."""

    def __init__(self, env: dict[str, str], log: Path, *, port: int | None = None) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> AsesorServer:
        handle = open(self.log, "ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        finally:
            handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"asesor serve exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"asesor serve did not become healthy:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill9(self) -> None:
        """SIGKILL: no shutdown hook, no flush — what a crash or the OOM killer does."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> AsesorServer:
        if self.process is not None and self.process.poll() is None:
            return self  # already started (e.g. with a longer timeout)
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
