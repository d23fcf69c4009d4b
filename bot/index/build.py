"""Build the index atomically: a new versioned folder, then one pointer swap.

``index/builds/<version>/`` holds the chunks, the Chroma store and a manifest (corpus checksum,
chunker version, embedder). ``index/CURRENT`` names the serving version and is replaced with
write → fsync → ``os.replace``, so a build killed half-way leaves the previous index serving.
Building never publishes: ``publish_build`` does, and only ``bot.pipeline`` calls it for a serving
index, after calibration. With ``ASESOR_CHROMA_URL`` publishing uploads to the Chroma server, whose
pointer is what every worker reads (``bot.index.remote``). A *scratch* build (bench, eval) carries
``"scratch": true`` in its manifest and no publisher sends it to a server.
Chunk, heading and sentence vectors are cached by content hash: a rebuild embeds only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import numpy as np

from bot.index.chroma import write_collection
from bot.index.embedders import VectorEmbedder
from bot.index.scratch import refuse_scratch
from bot.index.vector_cache import VectorCache, cache_file, content_key
from bot.ingest import CHUNKER_VERSION, build_chunks, corpus_checksum
from bot.schemas import Chunk
from bot.settings import Settings
from bot.text import split_sentences

__all__ = [
    "Manifest",
    "build_index",
    "publish_build",
    "index_status",
    "current_build",
    "write_atomic",
    "expected_manifest",
    "sentence_units",
    "CALIBRATION_VERSION",
]

INDEX_FORMAT = "2"  # bump when the files of a build change (2: heading_vectors.npy): older builds go stale
# Bump when what ``bot.calibrate`` fits changes: every index goes stale and is refitted. It lives here,
# not in ``bot.calibrate``, because the index's freshness depends on it and the index depends on nothing above it.
CALIBRATION_VERSION = "9"

Manifest = dict


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def expected_manifest(settings: Settings) -> Manifest:
    """What a fresh index for these settings and this corpus must record."""
    return {
        "corpus_checksum": corpus_checksum(settings.corpus_dir),
        "chunker_version": CHUNKER_VERSION,
        "format": INDEX_FORMAT,
        "embedder": settings.embedder_id,
        "calibration": calibration_fingerprint(settings),
    }


def calibration_fingerprint(settings: Settings) -> str:
    """What the calibration fitted after each build depends on (eval set, lexicon, fitting code)."""
    digest = hashlib.sha256(CALIBRATION_VERSION.encode())
    for name in ("lexicon.yaml", "eval/questions.yaml"):
        digest.update((settings.corpus_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def current_build(settings: Settings) -> Path | None:
    """The serving build folder, or None when there is none (or it is damaged)."""
    pointer = settings.index_dir / "CURRENT"
    if not pointer.exists():
        return None
    build = settings.index_dir / "builds" / pointer.read_text(encoding="utf-8").strip()
    if not (build / "manifest.json").exists() or not (build / "chunks.json").exists():
        return None
    return build


def index_status(settings: Settings) -> tuple[str, str]:
    """("fresh"|"stale"|"missing", a Spanish explanation); with a Chroma server, of what it serves."""
    if settings.chroma_url:
        from bot.index.remote import serving_manifest

        manifest = serving_manifest(settings)
        if manifest is None:
            return "missing", "El servidor Chroma no tiene un índice publicado: ejecute «asesor index»."
    else:
        build = current_build(settings)
        if build is None:
            return "missing", "No hay un índice construido (o está dañado): ejecute «asesor index»."
        try:
            manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "missing", "El manifiesto del índice está dañado: ejecute «asesor index»."
    expected = expected_manifest(settings)
    changed = [key for key, value in expected.items() if manifest.get(key) != value]
    if changed:
        return "stale", f"El índice está desactualizado ({', '.join(changed)}): ejecute «asesor index»."
    return "fresh", "El índice está al día."


def sentence_units(chunks: list[Chunk]) -> tuple[list[str], np.ndarray]:
    """Each chunk's sentences prefixed with its title, and the chunk each belongs to."""
    texts: list[str] = []
    owners: list[int] = []
    for position, chunk in enumerate(chunks):
        for sentence in split_sentences(chunk.text):
            texts.append(f"{chunk.title}: {sentence}")
            owners.append(position)
    return texts, np.array(owners, dtype=np.int32)


def build_index(settings: Settings, embedder: VectorEmbedder, *, scratch: bool = False) -> Manifest:
    """Build a new index version under ``builds/<version>``, never serving: returns its manifest.

    The build waits there for calibration; ``publish_build`` then makes it serve (``bot.pipeline``
    does both in that order). ``scratch`` marks a throw-away build that may only ever serve locally.
    """
    started = time.perf_counter()
    chunks = build_chunks(settings.corpus_dir)
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    chunk_texts = [c.embed_text for c in chunks]
    headings = [c.section for c in chunks]  # the ranker's "heading_dense": the question against the table of contents
    sentences, owners = sentence_units(chunks)
    cache = VectorCache(cache_file(settings, "vectors"))
    all_vectors, fresh = cache.vectors(chunk_texts + headings + sentences, embedder.document_vectors)
    cache.save()
    vectors, heading_vectors = all_vectors[: len(chunks)], all_vectors[len(chunks) : 2 * len(chunks)]
    sentence_vectors = all_vectors[2 * len(chunks) :]
    embedded = len({content_key(t) for t in chunk_texts} & fresh)  # chunks embedded anew

    version = time.strftime("%Y%m%dT%H%M%S") + f"-{secrets.token_hex(3)}"  # sortable and unique
    staging = builds / f".staging-{version}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    collection = write_collection(settings, path=staging / "chroma", version=version, chunks=chunks, vectors=vectors)
    manifest = {
        **expected_manifest(settings),
        "version": version,
        "collection": collection,
        "chunks": len(chunks),
        "embedded": embedded,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - started, 3),
        "scratch": scratch,
    }
    (staging / "chunks.json").write_text(
        json.dumps([c.model_dump() for c in chunks], ensure_ascii=False), encoding="utf-8"
    )
    np.save(staging / "vectors.npy", vectors)
    np.save(staging / "sentence_vectors.npy", sentence_vectors)
    np.save(staging / "sentence_owners.npy", owners)
    np.save(staging / "heading_vectors.npy", heading_vectors)
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    final = builds / version
    os.replace(staging, final)
    return manifest


def publish_build(settings: Settings, build: Path, *, keep: int = 2) -> None:
    """Make a finished build the serving one: on the Chroma server first (if any), then locally.

    A scratch build is refused before anything is sent when a Chroma server is configured."""
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    if settings.chroma_url:
        refuse_scratch(manifest)
        from bot.index.remote import publish

        publish(settings, build, keep=keep)
    write_atomic(settings.index_dir / "CURRENT", build.name.encode())
    _prune(build.parent, keep=keep, serving=build.name)


def _prune(builds: Path, *, keep: int, serving: str) -> None:
    """Drop old versions and abandoned staging folders, keeping the newest ``keep``."""
    versions = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in versions[:-keep]:
        if old.name != serving:
            shutil.rmtree(old, ignore_errors=True)
    for staging in builds.glob(".staging-*"):
        if staging.name != f".staging-{serving}":
            shutil.rmtree(staging, ignore_errors=True)
