"""``asesor staff`` as real processes, and the reverse-proxy header as the alternative to a session.

Why: accounts are only made from the command line (add, list, remove, with the password on stdin
for scripts), ``export-eval`` turns marked questions into eval-set stubs, the bench refuses a bad
database in Spanish, and a proxy header is honoured only from a trusted address for a real account.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from cli_process import run_asesor
from fastapi.testclient import TestClient

from bot.api import create_app
from bot.compose import build_services
from bot.console.accounts import Accounts
from bot.settings import ROOT, Settings
from bot.store import Store
from bot.store_staff import StaffStore

EMAIL = "ana@redcluster.test"


def _asesor(database: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASESOR_DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    return run_asesor(env, "staff", *args, stdin=stdin)


@pytest.mark.slow
def test_staff_accounts_and_export_eval_from_the_command_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'staff.sqlite3'}"
    assert "No hay cuentas" in _asesor(database, "list").stdout
    added = _asesor(database, "add", " Ana@RedCluster.test ", stdin="una-clave-muy-larga\n")
    assert added.returncode == 0 and f"Cuenta creada: {EMAIL}" in added.stdout
    short = _asesor(database, "add", "otra@redcluster.test", stdin="corta\n")
    assert short.returncode == 2 and "12 caracteres" in short.stderr and "Traceback" not in short.stderr
    assert f"{EMAIL}  último ingreso: nunca" in _asesor(database, "list").stdout
    store = Store(database)
    StaffStore(store).set_marks(questions={"como se financia": "¿Cómo se financia?"}, mark="eval", section="7. Fase 4")
    store.close()
    out = tmp_path / "nuevas.yaml"
    exported = _asesor(database, "export-eval", "--out", str(out))
    assert exported.returncode == 0 and "1 preguntas escritas" in exported.stderr
    [stub] = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert stub["q"] == "¿Cómo se financia?" and stub["section"] == "7. Fase 4" and stub["split"] == "tune"
    assert _asesor(database, "remove", EMAIL).returncode == 0
    missing = _asesor(database, "remove", EMAIL)
    assert missing.returncode == 1 and "No existe una cuenta" in missing.stderr
    bad = _asesor(database, "bench", "--rows", "1000", "--database-url", "postgresql+psycopg://nadie@127.0.0.1:1/x")
    assert bad.returncode == 1 and "No se pudo conectar" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("trusted", "email", "status"),
    [
        (["testclient"], EMAIL, 200),  # a trusted proxy naming a real account
        (["testclient"], "nadie@redcluster.test", 303),  # no such account: the login page
        (["10.0.0.1"], EMAIL, 303),  # the header from anyone else is ignored
    ],
)
def test_a_proxy_header_counts_only_from_a_trusted_address(
    settings: Settings, shared_embedder, store: Store, trusted: list[str], email: str, status: int
) -> None:
    proxied = settings.model_copy(
        update={
            "staff_session_secret": "p" * 32,
            "staff_proxy_header": "X-Forwarded-Email",
            "staff_trusted_proxies": trusted,
        }
    )
    Accounts(StaffStore(store)).add(EMAIL, "una-clave-muy-larga")
    services = build_services(proxied, embedder=shared_embedder)
    try:
        with TestClient(create_app(proxied, services)) as client:
            response = client.get("/staff/volumen", headers={"X-Forwarded-Email": email}, follow_redirects=False)
            assert response.status_code == status
            if status == 200:
                assert EMAIL in response.text  # the console names who is signed in
            else:
                assert response.headers["location"] == "/staff/login"
    finally:
        services.close()
