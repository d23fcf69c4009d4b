"""The index records what built it, swaps atomically and survives a build killed half-way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.index import build_index, index_status, publish_build
from bot.index.load import load_index
from bot.index.vector_cache import content_key
from bot.settings import ROOT, Settings


def _build_and_swap(settings: Settings, embedder) -> dict:
    """The index layer alone (no calibration): a build, then the pointer swap these tests are about."""
    manifest = build_index(settings, embedder)
    pointer = settings.index_dir / "CURRENT"
    assert not pointer.exists() or pointer.read_text() != manifest["version"], "building alone must not publish"
    publish_build(settings, settings.index_dir / "builds" / manifest["version"])
    return manifest


def test_manifest_records_corpus_chunker_and_embedder(index_dir: Path):
    settings = Settings(index_dir=index_dir)
    manifest = load_index(settings).manifest
    assert manifest["embedder"] == settings.embedder_id
    assert len(manifest["corpus_checksum"]) == 64 and manifest["chunker_version"]
    assert index_status(settings)[0] == "fresh"


def test_switching_embedder_or_editing_the_corpus_makes_it_stale(index_dir: Path, tmp_path: Path):
    assert index_status(Settings(index_dir=index_dir, embedder="sentence-transformers"))[0] == "stale"
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    with open(corpus / "abc-iniciativas-cluster.txt", "a", encoding="utf-8") as handle:
        handle.write("\nUna línea nueva.\n")
    status, message = index_status(Settings(index_dir=index_dir, corpus_dir=corpus))
    assert status == "stale" and "corpus_checksum" in message


def test_every_chunk_has_its_section_path_embedded(index_dir: Path):
    index = load_index(Settings(index_dir=index_dir))
    assert index.heading_vectors.shape == (len(index.chunks), index.sentence_vectors.shape[1])
    assert np.allclose(np.linalg.norm(index.heading_vectors, axis=1), 1.0, atol=1e-3)
    same = [i for i, c in enumerate(index.chunks) if c.section == index.chunks[0].section]
    assert len(same) > 1 and np.allclose(index.heading_vectors[same[0]], index.heading_vectors[same[1]])


def test_a_build_of_an_older_format_is_stale(index_dir: Path, tmp_path: Path):
    settings = Settings(index_dir=tmp_path / "index")
    shutil.copytree(index_dir, settings.index_dir)
    build = settings.index_dir / "builds" / (settings.index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((build / "manifest.json").read_text())
    (build / "manifest.json").write_text(json.dumps({**manifest, "format": "1"}))
    status, message = index_status(settings)
    assert status == "stale" and "format" in message


def test_missing_or_damaged_index_is_reported(tmp_path: Path):
    settings = Settings(index_dir=tmp_path)
    assert index_status(settings)[0] == "missing"
    (tmp_path / "CURRENT").write_text("no-such-version")
    status, message = index_status(settings)
    assert status == "missing" and "asesor index" in message


def test_rebuild_reuses_cached_vectors(index_dir: Path, tmp_path: Path, shared_embedder):
    """A build embeds only what its cache lacks, and the cached vectors are the ones it would have made."""
    settings = Settings(index_dir=tmp_path)
    serving = load_index(Settings(index_dir=index_dir))
    (tmp_path / "cache").mkdir()
    cache = next((index_dir / "cache").glob("vectors-*.npz"))
    with np.load(cache) as data:
        ids, vectors = data["ids"], data["vectors"]
    forgotten = {content_key(c.embed_text) for c in serving.chunks[:3]}  # three chunks' vectors are missing
    kept = np.array([key not in forgotten for key in ids.tolist()])
    np.savez(tmp_path / "cache" / cache.name, ids=ids[kept], vectors=vectors[kept])

    first = _build_and_swap(settings, shared_embedder)
    second = _build_and_swap(settings, shared_embedder)
    assert first["embedded"] == 3 and second["embedded"] == 0 and first["chunks"] == len(serving.chunks)
    assert second["version"] != first["version"] and index_status(settings)[0] == "fresh"
    rebuilt = np.load(tmp_path / "builds" / second["version"] / "vectors.npy")
    original = np.load(index_dir / "builds" / serving.version / "vectors.npy")
    assert np.allclose(rebuilt, original, atol=1e-4)  # embedded anew or cached: the same vectors


_SLOW_BUILD = """
import sys, time
from pathlib import Path
import bot.index.build as build
from bot.index import make_embedder
from bot.settings import Settings

original = build.write_collection
def slow(*args, **kwargs):
    name = original(*args, **kwargs)
    Path(sys.argv[1]).write_text("staging")
    time.sleep(60)
    return name
build.write_collection = slow
settings = Settings(index_dir=Path(sys.argv[2]))
build.build_index(settings, make_embedder(settings))
"""


@pytest.mark.slow  # a build in a subprocess, killed
def test_build_killed_half_way_leaves_the_old_index_serving(index_dir: Path, tmp_path: Path, shared_embedder):
    settings = Settings(index_dir=tmp_path / "index")
    shutil.copytree(index_dir / "cache", settings.index_dir / "cache")  # the session's vectors: no re-embedding
    old = _build_and_swap(settings, shared_embedder)
    signal_file = tmp_path / "reached"
    process = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, str(signal_file), str(settings.index_dir)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert process.poll() is None and time.monotonic() < deadline, "the build never reached staging"
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert list((settings.index_dir / "builds").glob(".staging-*")), "the killed build left its staging folder"
    assert (settings.index_dir / "CURRENT").read_text() == old["version"]
    index = load_index(settings)
    assert index.version == old["version"] and len(index.chunks) == old["chunks"]
    new = _build_and_swap(settings, shared_embedder)
    assert (settings.index_dir / "CURRENT").read_text() == new["version"]
    assert not list((settings.index_dir / "builds").glob(".staging-*"))
    assert (
        json.loads((settings.index_dir / "builds" / new["version"] / "manifest.json").read_text())["chunks"]
        == old["chunks"]
    )
