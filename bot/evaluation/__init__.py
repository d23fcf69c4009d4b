"""Evaluation: the question set, retrieval metrics, the LangChain baseline and the report."""
