"""Open the serving index version: chunks, BM25 and the Chroma collection.

From the local build folder by default, or entirely from the Chroma server when
``ASESOR_CHROMA_URL`` is set (workers need no files). ``serving_version`` is the cheap check that
``bot.index.live`` repeats to notice a newly published version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.index.bm25 import BM25
from bot.index.build import current_build
from bot.index.chroma import DenseSearch
from bot.schemas import Chunk
from bot.settings import Settings

__all__ = ["LoadedIndex", "IndexUnavailable", "load_index", "serving_version"]


class IndexUnavailable(RuntimeError):
    """No usable index: the message is Spanish and says what to do."""


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    chunks: list[Chunk]
    bm25: BM25
    dense: DenseSearch
    calibration: dict
    sentence_vectors: np.ndarray  # one row per sentence, for the best-sentence score
    sentence_owners: np.ndarray  # the chunk position of each sentence
    heading_vectors: np.ndarray | None  # one row per chunk: its embedded section path (None: a format-1 build)

    @property
    def version(self) -> str:
        return self.manifest["version"]


def serving_version(settings: Settings) -> str | None:
    """The version that should be serving now (``ChromaUnavailable`` if the server is down)."""
    if settings.chroma_url:
        from bot.index.remote import serving_version as remote_pointer

        pointer = remote_pointer(settings)
        return pointer["current"] if pointer else None
    build = current_build(settings)
    return build.name if build else None


def load_index(settings: Settings, build: Path | None = None) -> LoadedIndex:
    """The serving index (from the Chroma server when configured), or the local ``build`` given."""
    if build is None and settings.chroma_url:
        return _load_remote(settings)
    build = build or current_build(settings)
    if build is None:
        raise IndexUnavailable("No hay un índice construido o está dañado: ejecute «asesor index».")
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
        calibration_file = build / "calibration.json"
        calibration = json.loads(calibration_file.read_text(encoding="utf-8")) if calibration_file.exists() else {}
        sentence_vectors = np.load(build / "sentence_vectors.npy")
        sentence_owners = np.load(build / "sentence_owners.npy")
        headings_file = build / "heading_vectors.npy"
        heading_vectors = np.load(headings_file) if headings_file.exists() else None
        dense = DenseSearch(
            settings, path=build / "chroma", collection=manifest["collection"], ids=[c.id for c in chunks]
        )
    except Exception as error:  # any damage to the files means the same thing to the user
        raise IndexUnavailable(f"El índice está dañado ({type(error).__name__}): ejecute «asesor index».") from error
    return LoadedIndex(
        path=build,
        manifest=manifest,
        chunks=chunks,
        bm25=BM25([c.embed_text for c in chunks]),
        dense=dense,
        calibration=calibration,
        sentence_vectors=sentence_vectors,
        sentence_owners=sentence_owners,
        heading_vectors=heading_vectors,
    )


def _load_remote(settings: Settings) -> LoadedIndex:
    from bot.index.remote import RemoteParts

    parts = RemoteParts(settings)  # ChromaUnavailable (a Spanish 503) when the server is down
    ids = [c.id for c in parts.chunks]
    return LoadedIndex(
        path=settings.index_dir,
        manifest=parts.manifest,
        chunks=parts.chunks,
        bm25=BM25([c.embed_text for c in parts.chunks]),
        dense=DenseSearch(
            settings, path=settings.index_dir, collection=parts.collection_name, ids=ids, client=parts.client
        ),
        calibration=parts.calibration,
        sentence_vectors=parts.sentence_vectors,
        sentence_owners=parts.sentence_owners,
        heading_vectors=parts.heading_vectors,
    )
