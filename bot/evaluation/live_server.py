"""A real ``asesor serve`` on loopback, for the load tools (``make soak``, ``make bench-http``).

Why this exists: load figures mean something only against the real server process, with its real
startup, workers and shutdown. This starts one on a free port with the rate limit lifted, waits
until ``/health`` answers, and stops it as an operator would (SIGTERM, then kill after a grace
period), keeping its output in a log file for when it fails to start.
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``asesor serve --workers N`` on 127.0.0.1; ``env`` adds or overrides variables."""

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
        environment = {
            **os.environ,
            "ASESOR_RATE_LIMIT_PER_MINUTE": "10000000",
            "PYTHONPATH": str(root),
            "ASESOR_INDEX_DIR": os.environ.get("ASESOR_INDEX_DIR", str(ROOT / "index")),
            **(env or {}),
        }
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
                + ["--workers", str(workers)],
                env=environment,
                cwd=root,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Block until ``/health`` answers 200; the server's last output if it dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"el servidor terminó al iniciar (código {self.process.returncode}):\n{tail}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:  # 200 only when ready
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError("el servidor no respondió /health a tiempo")

    def stop(self, grace: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LiveServer:
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
