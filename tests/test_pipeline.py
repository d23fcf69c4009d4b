"""The one index pipeline: a serving build is calibrated before it serves; a scratch build (bench,
eval) never reaches a shared Chroma server, even when ``ASESOR_CHROMA_URL`` names one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from servers import ChromaServer

from bot.evaluation import run as eval_run
from bot.index import build_index, publish_build
from bot.index.remote import close_server_clients, publish, server_client, serving_version
from bot.index.scratch import ScratchPublishRefused
from bot.pipeline import build_scratch_index, build_serving_index
from bot.settings import Settings


def _serving_build(index_dir: Path) -> Path:
    return index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()


def test_the_session_index_was_calibrated_before_it_served(index_dir: Path):
    build = _serving_build(index_dir)
    manifest = json.loads((build / "manifest.json").read_text())
    calibration = json.loads((build / "calibration.json").read_text())
    assert manifest["scratch"] is False and calibration["ranker"]["weights"] and "threshold" in calibration


def test_a_scratch_build_is_refused_by_both_publishers(tmp_path: Path, index_dir: Path, shared_embedder):
    """No server is needed to refuse: the URL is a closed port, and nothing may even try to reach it."""
    shutil.copytree(index_dir / "cache", tmp_path / "index" / "cache")  # the session's vectors: no embedding
    shared = Settings(index_dir=tmp_path / "index", chroma_url="http://127.0.0.1:9")
    manifest = build_index(shared, shared_embedder, scratch=True)
    build = shared.index_dir / "builds" / manifest["version"]
    assert manifest["scratch"] is True and json.loads((build / "manifest.json").read_text())["scratch"] is True
    with pytest.raises(ScratchPublishRefused):
        publish_build(shared, build)
    with pytest.raises(ScratchPublishRefused):
        publish(shared, build)
    assert not (shared.index_dir / "CURRENT").exists(), "a refused publish wrote a local pointer"


@pytest.mark.slow
def test_bench_and_eval_scratch_builds_never_move_a_shared_chroma_servers_pointer(
    tmp_path: Path, index_dir: Path, shared_embedder
):
    chroma = ChromaServer(tmp_path / "chroma").start()
    try:
        shared = Settings(index_dir=tmp_path / "index", chroma_url=chroma.url)
        shutil.copytree(index_dir / "cache", shared.index_dir / "cache")  # the session's vectors: no re-embedding
        served = build_serving_index(shared, shared_embedder)  # what `asesor index` publishes
        before = serving_version(shared)
        assert before is not None and before["current"] == served["version"]
        collections = sorted(c.name for c in server_client(shared).list_collections())

        # bench's scratch build and eval's, with the very settings that name the shared server
        bench_scratch = build_scratch_index(shared, shared_embedder, tmp_path / "bench")
        assert bench_scratch.settings.chroma_url is None and bench_scratch.manifest["scratch"] is True
        assert bench_scratch.manifest["embedded"] == 0  # started from the serving index's vector cache
        assert (tmp_path / "bench" / "CURRENT").read_text() == bench_scratch.manifest["version"]
        assert bench_scratch.calibration == json.loads((bench_scratch.build / "calibration.json").read_text())
        local, _, index, _ = eval_run._prepare(shared, "e5", str(tmp_path / "eval"))
        assert local.chroma_url is None and index.path.is_relative_to(tmp_path / "eval")
        # and a publisher handed a scratch build with the shared settings
        for attempt in (
            lambda: publish_build(shared, bench_scratch.build),
            lambda: publish(shared, bench_scratch.build),
        ):
            with pytest.raises(ScratchPublishRefused):
                attempt()

        assert serving_version(shared) == before, "a scratch build moved the shared pointer"
        assert sorted(c.name for c in server_client(shared).list_collections()) == collections
        assert (shared.index_dir / "CURRENT").read_text() == served["version"]
    finally:
        close_server_clients()
        chroma.stop()
