"""Answerers: extractive (default) and scope decisions; the generative chain is optional."""
