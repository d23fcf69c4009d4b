"""The stock LangChain recipe we compare against: fixed-size chunks, plain Chroma search.

RecursiveCharacterTextSplitter (1000 characters, 200 overlap) over the de-hyphenated booklet,
``langchain_chroma.Chroma`` with the same embedder, ``similarity_search`` top 10: what the
tutorials build, so ``make eval`` shows what structure-aware chunking and hybrid search buy.
"""

from __future__ import annotations

from langchain_chroma import Chroma
from langchain_text_splitters import RecursiveCharacterTextSplitter

from bot.evaluation.dataset import EvalItem, first_relevant_rank
from bot.index.embedders import VectorEmbedder
from bot.ingest.clean import dehyphenate
from bot.schemas import Passage
from bot.settings import Settings

__all__ = ["langchain_baseline_ranks"]


def langchain_baseline_ranks(
    settings: Settings, embedder: VectorEmbedder, items: list[EvalItem], *, workdir: str
) -> list[int | None]:
    raw = settings.corpus_file.read_text(encoding="utf-8")
    text = dehyphenate(raw)  # the tutorial recipe, given the same de-hyphenated text
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = splitter.create_documents([text])
    from chromadb.config import Settings as ChromaSettings

    store = Chroma.from_documents(
        documents,
        embedder,
        persist_directory=workdir,
        collection_name="baseline",
        client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True, persist_directory=workdir),
    )
    ranks = []
    for item in items:
        found = store.similarity_search(item.query, k=10)
        passages = [
            Passage(id=str(i), section="", text=" ".join(d.page_content.split()), score=0.0)
            for i, d in enumerate(found)
        ]
        ranks.append(first_relevant_rank(item, passages))
    return ranks
