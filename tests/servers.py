"""Throw-away PostgreSQL and Chroma servers on loopback ports, for store and topology tests.

Why this exists: the scale-out configuration is only believable if it is tested against the real
servers. PostgreSQL comes from Debian's packages (``initdb`` into a temporary folder, run as the
``postgres`` user when the tests run as root); Chroma is ``chroma run`` from the ``chromadb``
package. Both are stopped and their folders removed when the fixture ends.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from bot.evaluation.live_server import free_port

__all__ = ["free_port", "stop_process", "PostgresServer", "ChromaServer", "postgres_server", "pg_url", "find_pg_bin"]


def stop_process(process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a server started by a test: ``sig``, then SIGKILL if it outlives ``timeout``; reaped either way."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def find_pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres() -> dict:
    """Popen arguments that run PostgreSQL as the ``postgres`` user when we are root (it refuses
    to run as root); the process is our direct child, so signals reach it without a wrapper."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "env": {**os.environ, "HOME": user.pw_dir}}


class PostgresServer:
    """A private PostgreSQL cluster: trust auth on 127.0.0.1, fsync off (tests only)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="asesor-pg-"))
        self.data = self.root / "data"
        self.process: subprocess.Popen | None = None
        self._databases = 0

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.root,
            **_as_postgres(),
        )
        self.process = subprocess.Popen(
            [
                str(self.bin_dir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.root,
            **_as_postgres(),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if ready.returncode == 0:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("PostgreSQL did not start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._databases += 1
        name = f"asesor_{self._databases}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        stop_process(self.process, sig=signal.SIGINT, timeout=20)  # SIGINT: postgres' "fast" shutdown
        shutil.rmtree(self.root, ignore_errors=True)


class ChromaServer:
    """``chroma run`` on a loopback port; ``stop()`` and ``start()`` again keep the same data."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        self.process: subprocess.Popen | None = None
        self.log = path.with_suffix(".log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        chroma = Path(sys.executable).with_name("chroma")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"chroma run exited: {self.log.read_text(errors='replace')[-2000:]}") from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("chroma run did not start")

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """One PostgreSQL cluster for the whole session (skipped where PostgreSQL is not installed)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL no está instalado (.ci/run instala el paquete postgresql de Debian)")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A fresh PostgreSQL database for one test."""
    return postgres_server.new_database()
