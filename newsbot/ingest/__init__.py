"""Ingestion: articles from the knowledge folder, their facts, and their passages."""
