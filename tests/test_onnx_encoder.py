"""The model on ONNX Runtime gives sentence-transformers' vectors: real model, real export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import KNOWLEDGE, MODEL
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Pooling

from newsbot.retrieval.embeddings import embed, get_encoder, get_model, model_path
from newsbot.retrieval.onnx_encoder import OnnxEncoder, OnnxUnavailable, cache_key

PARAGRAPHS = (KNOWLEDGE / "corbyn-jewish-leaders-talks.md").read_text(encoding="utf-8").split("\n\n")[1:]
TEXTS = [
    "What did Labour commit to?",
    "who said that",
    "",
    "😀😀😀",
    "Qui a assisté à la réunion ?",
    " ".join(PARAGRAPHS) * 2,  # far past the model's 256 tokens: truncated alike
    *PARAGRAPHS,
]


@pytest.fixture(scope="module")
def model() -> SentenceTransformer:
    return get_model(MODEL)


@pytest.fixture(scope="module")
def encoder(model: SentenceTransformer, tmp_path_factory: pytest.TempPathFactory) -> OnnxEncoder:
    return OnnxEncoder(model, model_path(MODEL), tmp_path_factory.mktemp("cache"), threads=1)


def reference(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts, normalize_embeddings=True, batch_size=32, convert_to_numpy=True))


def test_batches_match_sentence_transformers(model: SentenceTransformer, encoder: OnnxEncoder) -> None:
    vectors = np.zeros((len(TEXTS), 384), dtype=np.float32)
    seen: list[int] = []
    for positions, batch in encoder.batches(TEXTS, batch_size=8):  # padded batches of mixed lengths
        vectors[positions] = batch
        seen.extend(positions)
    assert sorted(seen) == list(range(len(TEXTS)))
    np.testing.assert_allclose(vectors, reference(model, TEXTS), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_one_question_at_a_time_matches(model: SentenceTransformer, encoder: OnnxEncoder) -> None:
    for text in TEXTS[:6]:
        ((_, vector),) = [(p, v[0]) for p, v in encoder.batches([text], batch_size=32)]
        np.testing.assert_allclose(vector, reference(model, [text])[0], atol=1e-5)


def test_embed_uses_onnx_by_default_and_matches(model: SentenceTransformer) -> None:
    assert get_encoder(MODEL) is not None
    np.testing.assert_allclose(embed(MODEL, TEXTS), reference(model, TEXTS), atol=1e-5)
    assert embed(MODEL, []).shape == (0, 384)


def test_export_is_cached_and_a_damaged_file_is_replaced(model: SentenceTransformer, tmp_path: Path) -> None:
    OnnxEncoder(model, model_path(MODEL), tmp_path, threads=1)
    (exported,) = (tmp_path / "onnx").glob("*.onnx")
    assert exported.name == f"{cache_key(model_path(MODEL))}.onnx"
    stamp = exported.stat().st_mtime_ns
    OnnxEncoder(model, model_path(MODEL), tmp_path, threads=1)
    assert exported.stat().st_mtime_ns == stamp  # loaded, not exported again

    exported.write_bytes(b"not a model")
    with pytest.raises(OnnxUnavailable, match="cannot load"):
        OnnxEncoder(model, model_path(MODEL), tmp_path, threads=1)
    assert not exported.exists()
    again = OnnxEncoder(model, model_path(MODEL), tmp_path, threads=1)
    np.testing.assert_allclose(next(again.batches(["hello"], 1))[1], reference(model, ["hello"]), atol=1e-5)


def test_a_pipeline_it_cannot_reproduce_is_left_to_sentence_transformers(
    model: SentenceTransformer, tmp_path: Path
) -> None:
    cls_pooling = SentenceTransformer(modules=[model[0], Pooling(384, pooling_mode="cls")], device="cpu")
    with pytest.raises(OnnxUnavailable, match="pooling mode 'cls'"):
        OnnxEncoder(cls_pooling, model_path(MODEL), tmp_path, threads=1)
    assert not (tmp_path / "onnx").exists()
