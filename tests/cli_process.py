"""``run_asesor(env, *args)``: the ``asesor`` command as a real child process, as a user runs it.

Why: the CLI's exit codes, Spanish messages on stderr and "no Traceback" are only true of a real
process; each CLI test module used to carry its own copy of this subprocess call.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

__all__ = ["run_asesor"]


def run_asesor(
    env: dict[str, str] | None, *args: str, stdin: str = "", cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m bot.cli *args`` with ``env`` (None: this process's environment), text in and out."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=os.environ.copy() if env is None else env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
