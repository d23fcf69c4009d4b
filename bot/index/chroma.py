"""The Chroma side of the index: write a versioned collection, query it by vector.

Every build writes an embedded copy (``PersistentClient`` inside the build folder); with
``ASESOR_CHROMA_URL`` set, ``bot.index.remote`` publishes that finished build to the Chroma server
as collections named after its version, and searches go to the server (``HttpClient``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.schemas import Chunk
from bot.settings import Settings

__all__ = ["client_for", "write_collection", "DenseSearch"]

COLLECTION_PREFIX = "booklet"


def client_for(settings: Settings, path: Path):
    """A Chroma client: the process's shared HTTP one when a server URL is configured, else
    persistent on ``path``."""
    if settings.chroma_url:
        from bot.index.remote import server_client

        return server_client(settings)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )


def collection_name(version: str) -> str:
    return f"{COLLECTION_PREFIX}-{version}".replace("T", "t")


def write_collection(settings: Settings, *, path: Path, version: str, chunks: list[Chunk], vectors: np.ndarray) -> str:
    """Store chunks with their precomputed vectors in the build's embedded copy; returns the collection name."""
    client = client_for(settings.model_copy(update={"chroma_url": None}), path)
    name = collection_name(version)
    collection = client.get_or_create_collection(name=name, metadata={"hnsw:space": "cosine"})
    collection.upsert(
        ids=[c.id for c in chunks],
        embeddings=vectors.astype(np.float32),
        documents=[c.text for c in chunks],
        metadatas=[{"section": c.section, "kind": c.kind, "ordinal": c.ordinal} for c in chunks],
    )
    return name


class DenseSearch:
    """Cosine similarity of a query vector to every chunk, through Chroma."""

    def __init__(self, settings: Settings, *, path: Path, collection: str, ids: list[str], client=None) -> None:
        """Over the build's embedded copy at ``path``, or over ``client`` (a Chroma server)."""
        self._settings = settings
        self._client = client or client_for(settings.model_copy(update={"chroma_url": None}), path)
        self._collection = self._client.get_collection(collection)
        self._position = {chunk_id: i for i, chunk_id in enumerate(ids)}

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity per chunk, in chunk order (``ChromaUnavailable`` when the server is down)."""
        try:
            result = self._collection.query(
                query_embeddings=[vector.astype(np.float32)],
                n_results=len(self._position),
                include=["distances"],
            )
        except Exception as error:
            from bot.index.remote import ChromaUnavailable

            raise ChromaUnavailable(
                "El índice de la cartilla no responde en este momento "
                f"({type(error).__name__}). Intente de nuevo en unos segundos."
            ) from error
        scores = np.zeros(len(self._position), dtype=np.float32)
        for chunk_id, distance in zip(result["ids"][0], result["distances"][0]):
            scores[self._position[chunk_id]] = 1.0 - float(distance)
        return scores
