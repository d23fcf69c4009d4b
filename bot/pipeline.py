"""The one index pipeline: build, calibrate, and only then publish.

Why this exists: the index was once built in four places (the CLI, the test fixture, bench and
eval) in two different orders, and bench/eval would have published an uncalibrated throw-away
index to the Chroma server every worker follows. Now ``asesor index``, the tests, bench and eval
all come here. A serving build goes build → calibrate → publish, so only a complete, calibrated
index ever serves. A scratch build (bench, eval) lives in its own folder, with settings that name
no Chroma server, and is marked scratch in its manifest, which both publishers refuse
(``bot.index.scratch``): it cannot move a shared server's pointer, whatever the environment says.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.calibrate import calibrate_index
from bot.index import VectorEmbedder, build_index, index_status, make_embedder, publish_build
from bot.index.load import IndexUnavailable, load_index
from bot.settings import Settings

__all__ = ["ScratchIndex", "build_serving_index", "build_scratch_index", "index_status", "index_problem"]


@dataclass(frozen=True)
class ScratchIndex:
    """A calibrated throw-away index: ``settings`` point at its folder and at no Chroma server."""

    settings: Settings
    manifest: dict
    calibration: dict

    @property
    def build(self) -> Path:
        return self.settings.index_dir / "builds" / self.manifest["version"]


def _build_and_calibrate(settings: Settings, embedder: VectorEmbedder, *, scratch: bool) -> tuple[dict, Path]:
    manifest = build_index(settings, embedder, scratch=scratch)
    build = settings.index_dir / "builds" / manifest["version"]
    manifest["calibration"] = calibrate_index(settings, embedder, build)
    return manifest, build


def build_serving_index(settings: Settings, embedder: VectorEmbedder | None = None, *, keep: int = 2) -> dict:
    """Build, calibrate, then publish (to the Chroma server too when configured): ``asesor index``.

    Returns the manifest with its ``calibration``."""
    manifest, build = _build_and_calibrate(settings, embedder or make_embedder(settings), scratch=False)
    publish_build(settings, build, keep=keep)  # only a complete, calibrated build ever serves
    return manifest


def build_scratch_index(settings: Settings, embedder: VectorEmbedder, index_dir: Path | str) -> ScratchIndex:
    """A calibrated index in ``index_dir`` for bench and eval, serving only from that folder.

    It starts from a copy of the serving index's vector cache (vectors depend on the model and the
    text alone), so a bench or an eval embeds only what the serving build has not."""
    local = settings.model_copy(update={"index_dir": Path(index_dir), "chroma_url": None})
    cache = settings.index_dir / "cache"
    if cache.is_dir() and not (local.index_dir / "cache").exists():
        shutil.copytree(cache, local.index_dir / "cache")
    manifest, build = _build_and_calibrate(local, embedder, scratch=True)
    publish_build(local, build)  # the scratch folder's own CURRENT; never a server (no URL, and refused)
    return ScratchIndex(settings=local, manifest=manifest, calibration=manifest["calibration"])


def index_problem(settings: Settings) -> str | None:
    """None when the serving local index opens, else the Spanish reason it does not (damaged files)."""
    try:
        load_index(settings)
    except IndexUnavailable as error:
        return str(error)
    return None
