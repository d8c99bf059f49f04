"""Answering: a typed reply composed from search hits (pure functions)."""
