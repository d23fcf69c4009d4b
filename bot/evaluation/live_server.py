"""A real ``asesor serve`` on loopback: for the load tools (``make soak``, ``make bench-http``) and
for the tests that need a real process (kill -9, slow clients, log contents, soak).

Why this exists: those figures and behaviours are only true of the real server process, with its
real startup, workers and shutdown, not of an in-process TestClient. This starts one on a free
port exactly as a deployment would, waits until ``/health`` answers, and stops it as an operator
would (SIGTERM, then kill after a grace period); its output is appended to a log file, kept for
when it fails to start or for a test to read.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.settings import ROOT

__all__ = ["LiveServer", "free_port"]

UNLIMITED = {"ASESOR_RATE_LIMIT_PER_MINUTE": "10000000"}  # load tools measure the server, not the limiter


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``asesor serve --workers N`` on 127.0.0.1, started by ``start()`` or ``with``.

    ``env`` adds or overrides variables of this process's environment (``UNLIMITED`` lifts the rate
    limit); ``root`` is the code that serves (another checkout, to compare versions)."""

    def __init__(
        self,
        log: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        root: Path = ROOT,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.root = root
        self.workers = workers
        self.env = {
            **os.environ,
            "PYTHONPATH": str(root),
            "ASESOR_INDEX_DIR": os.environ.get("ASESOR_INDEX_DIR", str(ROOT / "index")),
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 300.0) -> LiveServer:
        """Start the process and block until ``/health`` answers 200 (its last output if it dies first)."""
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
                + ["--workers", str(self.workers)],
                env=self.env,
                cwd=self.root,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.output()[-3000:]
                raise RuntimeError(f"el servidor terminó al iniciar (código {self.process.returncode}):\n{tail}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:  # 200 only when ready
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"el servidor no respondió /health a tiempo:\n{self.output()[-3000:]}")

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None, "start() first"
        return self.process.pid

    def kill9(self) -> None:
        """SIGKILL: no shutdown hook, no flush — what a crash or the OOM killer does."""
        os.kill(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=30)

    def stop(self, grace: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LiveServer:
        if self.process is None or self.process.poll() is not None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
