"""Ingestion: the booklet text and its structure file in, clean structure-aware chunks out."""

from bot.ingest.chunk import CHUNKER_VERSION, SEPARATOR, build_chunks, corpus_checksum

__all__ = ["CHUNKER_VERSION", "SEPARATOR", "build_chunks", "corpus_checksum"]
