"""The index on a Chroma server: publish a finished build, read the serving pointer, load it back.

Why this exists: with ``ASESOR_CHROMA_URL`` the workers may run on machines that never saw the
build folder, so everything a worker needs lives on the server. A build is uploaded as three
collections named after its version (``booklet-<v>``: chunks, vectors, manifest and calibration
in the collection metadata; ``booklet-<v>-sentences``: sentence vectors; ``booklet-<v>-headings``:
section-path vectors) and only then does the pointer (metadata of the ``asesor_meta``
collection) move to it, in one request. A worker that
reads the pointer therefore always finds a complete index; a build killed half-way leaves
orphan collections that the next publish removes.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from bot.errors import Unavailable
from bot.index.scratch import refuse_scratch
from bot.schemas import Chunk
from bot.settings import Settings

__all__ = [
    "ChromaUnavailable",
    "server_client",
    "close_server_clients",
    "publish",
    "serving_version",
    "serving_manifest",
    "RemoteParts",
]

POINTER = "asesor_meta"
_BATCH = 500
_TIMEOUT_S = 10.0
_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


class ChromaUnavailable(Unavailable):
    """The Chroma server does not answer (HTTP 503 with ``Retry-After`` for the API)."""

    code = "indice_no_disponible"


def _unavailable(settings: Settings, error: Exception) -> ChromaUnavailable:
    host = urlparse(settings.chroma_url or "").netloc or "?"
    return ChromaUnavailable(
        f"El servidor del índice (Chroma en {host}) no responde en este momento ({type(error).__name__}). "
        "Intente de nuevo en unos segundos."
    )


def server_client(settings: Settings):
    """The process's ``HttpClient`` for ``ASESOR_CHROMA_URL``, with a request timeout.

    One per URL, shared by every thread: chromadb gives each new ``HttpClient`` a system and a
    connection pool of its own that live until ``close()``, so a client made per pointer check
    leaked two file descriptors every ``ASESOR_INDEX_CHECK_SECONDS`` in each worker.
    """
    key = settings.chroma_url or ""
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _new_client(settings)
    return client


def close_server_clients() -> None:
    """Close the shared clients (at shutdown, and in tests that start and stop servers)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        # chromadb's close() releases its systems but leaves the HTTP connections of the client and
        # of its internal admin client open: close those too. (chromadb's ClientAPI type omits close().)
        sessions = [
            getattr(getattr(owner, "_server", None), "_session", None)
            for owner in (client, getattr(client, "_admin_client", None))
        ]
        for close in [getattr(session, "close", None) for session in sessions] + [client.close]:  # type: ignore[attr-defined]
            try:
                if close is not None:
                    close()
            except Exception:  # best effort: the server may already be gone
                pass


def _new_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = urlparse(settings.chroma_url or "")
    try:
        client = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
        )
    except Exception as error:  # the client checks the server as it is built
        raise _unavailable(settings, error) from error
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:  # a stopped (not refused) server must fail fast, not hang a worker
        import httpx

        session.timeout = httpx.Timeout(_TIMEOUT_S)
    return client


_PARTS = ("-sentences", "-headings")  # the collections stored beside a version's chunk collection


def _collections(name: str) -> list[str]:
    """Every collection of one index version."""
    return [name, *(f"{name}{part}" for part in _PARTS)]


def _add_in_batches(collection, **columns) -> None:
    """``collection.add`` in slices of ``_BATCH`` rows (a server caps the size of one request)."""
    rows = len(columns["ids"])
    for start in range(0, rows, _BATCH):
        collection.add(**{key: values[start : start + _BATCH] for key, values in columns.items()})


def _positions(n: int) -> list[str]:
    """Ids for rows kept in order: zero-padded positions sort as they were written."""
    return [f"{i:07d}" for i in range(n)]


def publish(settings: Settings, build: Path, *, keep: int = 2) -> str:
    """Upload a complete local build, then point the serving pointer at it; returns its version.

    A scratch build (bench, eval) is refused before any request reaches the server."""
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    refuse_scratch(manifest)
    calibration_file = build / "calibration.json"
    calibration = json.loads(calibration_file.read_text(encoding="utf-8")) if calibration_file.exists() else {}
    chunks = [Chunk(**c) for c in json.loads((build / "chunks.json").read_text(encoding="utf-8"))]
    vectors = np.load(build / "vectors.npy").astype(np.float32)
    sentence_vectors = np.load(build / "sentence_vectors.npy").astype(np.float32)
    owners = np.load(build / "sentence_owners.npy")
    heading_vectors = np.load(build / "heading_vectors.npy").astype(np.float32)
    name, version = manifest["collection"], manifest["version"]
    try:
        client = server_client(settings)
        for stale in _collections(name):  # a half-uploaded earlier attempt of this version
            if stale in {c.name for c in client.list_collections()}:
                client.delete_collection(stale)
        collection = client.create_collection(
            name,
            metadata={
                "hnsw:space": "cosine",
                "manifest": json.dumps(manifest, ensure_ascii=False),
                "calibration": json.dumps(calibration),
            },
        )
        _add_in_batches(
            collection,
            ids=[c.id for c in chunks],
            embeddings=vectors,
            documents=[c.text for c in chunks],
            metadatas=[{"section": c.section, "title": c.title, "kind": c.kind, "ordinal": c.ordinal} for c in chunks],
        )
        sentences = client.create_collection(f"{name}-sentences", metadata={"hnsw:space": "cosine"})
        _add_in_batches(
            sentences,
            ids=_positions(len(owners)),
            embeddings=sentence_vectors,
            metadatas=[{"owner": int(owner)} for owner in owners],
        )
        headings = client.create_collection(f"{name}-headings", metadata={"hnsw:space": "cosine"})
        _add_in_batches(headings, ids=_positions(len(chunks)), embeddings=heading_vectors)
        pointer = client.get_or_create_collection(POINTER)
        pointer.modify(metadata={"current": version, "collection": name, "published_at": time.time()})
        _prune(client, keep=keep, serving=name)
    except Unavailable:
        raise
    except Exception as error:
        raise _unavailable(settings, error) from error
    return version


def _prune(client, *, keep: int, serving: str) -> None:
    """Delete all but the newest ``keep`` versions (never the serving one)."""
    names = sorted(
        c.name for c in client.list_collections() if c.name.startswith("booklet-") and not c.name.endswith(_PARTS)
    )
    for old in names[:-keep]:
        if old != serving:
            for name in _collections(old):
                try:
                    client.delete_collection(name)
                except Exception:  # already gone (another publisher pruned it)
                    pass


def serving_version(settings: Settings, client=None) -> dict | None:
    """The pointer (``{"current", "collection", "published_at"}``) or None when nothing is published."""
    from chromadb.errors import NotFoundError

    client = client or server_client(settings)
    try:
        metadata = client.get_collection(POINTER).metadata or {}
    except NotFoundError:
        return None
    except Exception as error:
        raise _unavailable(settings, error) from error
    return dict(metadata) if metadata.get("current") else None


def serving_manifest(settings: Settings) -> dict | None:
    """The manifest of the version the server serves (None when nothing is published)."""
    client = server_client(settings)
    pointer = serving_version(settings, client)
    if pointer is None:
        return None
    try:
        return json.loads(client.get_collection(pointer["collection"]).metadata["manifest"])
    except Exception as error:
        raise _unavailable(settings, error) from error


class RemoteParts:
    """What ``load_index`` needs, read from the server for the serving version."""

    def __init__(self, settings: Settings) -> None:
        client = server_client(settings)
        pointer = serving_version(settings, client)
        if pointer is None:
            raise ChromaUnavailable("El servidor Chroma no tiene ningún índice publicado: ejecute «asesor index».")
        try:
            collection = client.get_collection(pointer["collection"])
            self.manifest = json.loads(collection.metadata["manifest"])
            self.calibration = json.loads(collection.metadata.get("calibration") or "{}")
            stored = collection.get(include=["documents", "metadatas"])
            self.chunks = sorted(
                (
                    Chunk(id=i, text=d, section=m["section"], title=m["title"], kind=m["kind"], ordinal=m["ordinal"])
                    for i, d, m in zip(stored["ids"], stored["documents"], stored["metadatas"])
                ),
                key=lambda c: c.ordinal,
            )
            sentences = client.get_collection(f"{pointer['collection']}-sentences").get(
                include=["embeddings", "metadatas"]
            )
            headings = client.get_collection(f"{pointer['collection']}-headings").get(include=["embeddings"])
        except Exception as error:
            raise _unavailable(settings, error) from error
        order = np.argsort(np.array(sentences["ids"]))
        self.sentence_vectors = np.asarray(sentences["embeddings"], dtype=np.float32)[order]
        self.sentence_owners = np.array([sentences["metadatas"][i]["owner"] for i in order], dtype=np.int32)
        self.heading_vectors = np.asarray(headings["embeddings"], dtype=np.float32)[
            np.argsort(np.array(headings["ids"]))
        ]
        self.client, self.collection_name = client, pointer["collection"]
