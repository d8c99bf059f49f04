"""Retrieval: the embedding model, the index folder (FAISS and BM25), hybrid search and the decline model."""
