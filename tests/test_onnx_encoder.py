"""The model on ONNX Runtime gives sentence-transformers' vectors without torch: real model, real export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import KNOWLEDGE, MODEL
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Pooling

from newsbot.retrieval import embeddings
from newsbot.retrieval.embeddings import embed, embedding_dimension, get_encoder, get_model, model_path
from newsbot.retrieval.onnx_encoder import (
    EXPORT_INFO,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxEncoder,
    OnnxUnavailable,
    cache_key,
    read_export_info,
)
from newsbot.retrieval.onnx_export import ensure_export
from newsbot.settings import PROJECT_ROOT

PARAGRAPHS = (KNOWLEDGE / "corbyn-jewish-leaders-talks.md").read_text(encoding="utf-8").split("\n\n")[1:]
TEXTS = [
    "What did Labour commit to?",
    "who said that",
    "",
    "😀😀😀",
    "Qui a assisté à la réunion ?",
    "  spaces around,\ta tab\nand a new line  ",
    " ".join(PARAGRAPHS) * 2,  # far past the model's 256 tokens: truncated alike
    *PARAGRAPHS,
]
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An exports folder of this module's own (NEWSBOT_MINILM_ONNX_DIR), so every export here is made fresh."""
    root = tmp_path_factory.mktemp("minilm-onnx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSBOT_MINILM_ONNX_DIR", str(root))
        yield root


@pytest.fixture(scope="module")
def model() -> SentenceTransformer:
    return get_model(MODEL)


@pytest.fixture(scope="module")
def folder(exports: Path) -> Path:
    return ensure_export(MODEL)


@pytest.fixture(scope="module")
def encoder(folder: Path) -> OnnxEncoder:
    return OnnxEncoder(folder)


def reference(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts, normalize_embeddings=True, batch_size=32, convert_to_numpy=True))


def test_the_export_folder_holds_the_model_its_tokenizer_and_what_was_exported(exports: Path, folder: Path) -> None:
    assert folder == exports / cache_key(model_path(MODEL))
    assert {path.name for path in folder.iterdir()} == {MODEL_FILE, TOKENIZER_FILE, EXPORT_INFO}
    info = json.loads((folder / EXPORT_INFO).read_text())
    assert info["model"] == MODEL
    assert info["max_tokens"] == 256  # the model's sentence_bert_config.json
    assert info["dimension"] == 384
    assert set(info["versions"]) >= {"torch", "transformers", "sentence-transformers", "onnx"}
    # The Rasa featurizer's way in: a link named after the packaged model.
    assert (exports / MODEL).resolve() == folder.resolve()


def test_batches_match_sentence_transformers(model: SentenceTransformer, encoder: OnnxEncoder) -> None:
    assert encoder.dimension == 384  # the ONNX model's output
    vectors = np.zeros((len(TEXTS), 384), dtype=np.float32)
    seen: list[int] = []
    for positions, batch in encoder.batches(TEXTS, batch_size=8):  # padded batches of mixed lengths
        vectors[positions] = batch
        seen.extend(positions)
    assert sorted(seen) == list(range(len(TEXTS)))
    np.testing.assert_allclose(vectors, reference(model, TEXTS), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_one_question_at_a_time_matches(model: SentenceTransformer, encoder: OnnxEncoder) -> None:
    for text in TEXTS[:7]:
        np.testing.assert_allclose(encoder.embed([text])[0], reference(model, [text])[0], atol=1e-5)
    assert encoder.embed([]).shape == (0, 384)


def test_embed_uses_onnx_by_default_and_matches(model: SentenceTransformer, folder: Path) -> None:
    assert get_encoder(MODEL) is not None
    assert embedding_dimension(MODEL) == 384
    np.testing.assert_allclose(embed(MODEL, TEXTS), reference(model, TEXTS), atol=1e-5)
    assert embed(MODEL, []).shape == (0, 384)


QUERY_PATH = """
import sys
from fastapi.testclient import TestClient
from newsbot.cli import main
from newsbot.web.app import create_app

assert main(["search", "What did Labour commit to?", "--json"]) == 0
assert main(["ask", "Who attended the meeting?"]) == 0
with TestClient(create_app()) as client:
    response = client.post("/api/ask", json={"question": "What happens next?"})
    assert response.status_code == 200, response.text
print("heavy modules:", sorted(name for name in sys.argv[1:] if name in sys.modules), file=sys.stderr)
print("onnxruntime:", "onnxruntime" in sys.modules, file=sys.stderr)
"""


def test_the_query_path_imports_no_torch(folder: Path, exports: Path, seed_index_dir: Path) -> None:
    env = {
        **os.environ,
        "NEWSBOT_MINILM_ONNX_DIR": str(exports),
        "NEWSBOT_INDEX_DIR": str(seed_index_dir),
        "NEWSBOT_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "NEWSBOT_WATCH_KNOWLEDGE": "false",
    }
    completed = subprocess.run(
        [sys.executable, "-c", QUERY_PATH, *HEAVY_MODULES],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "heavy modules: []" in completed.stderr
    assert "onnxruntime: True" in completed.stderr


def test_an_export_is_kept_and_a_damaged_one_is_made_again(model: SentenceTransformer, folder: Path) -> None:
    stamp = (folder / MODEL_FILE).stat().st_mtime_ns
    assert ensure_export(MODEL) == folder
    assert (folder / MODEL_FILE).stat().st_mtime_ns == stamp  # kept, not exported again

    size = (folder / MODEL_FILE).stat().st_size
    (folder / MODEL_FILE).write_bytes(b"\0" * size)
    with pytest.raises(OnnxUnavailable, match="cannot load"):
        OnnxEncoder(folder)
    again = embeddings._load_encoder(MODEL)  # what the first embedding of a process does
    assert again is not None
    assert (folder / MODEL_FILE).read_bytes()[:16] != b"\0" * 16
    np.testing.assert_allclose(again.embed(["hello"]), reference(model, ["hello"]), atol=1e-5)


def test_an_incomplete_export_does_not_count(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    assert read_export_info(copy) is not None
    with (copy / MODEL_FILE).open("r+b") as handle:
        handle.truncate(1000)
    assert read_export_info(copy) is None
    (copy / EXPORT_INFO).unlink()
    assert read_export_info(copy) is None


def test_a_new_export_replaces_the_models_older_ones(folder: Path, exports: Path) -> None:
    def fake_export(name: str, model_dir: Path) -> Path:
        fake = exports / name
        fake.mkdir()
        (fake / MODEL_FILE).write_bytes(b"m")
        (fake / TOKENIZER_FILE).write_bytes(b"t")
        info = json.loads((folder / EXPORT_INFO).read_text())
        info.update(model_dir=str(model_dir), sizes={MODEL_FILE: 1, TOKENIZER_FILE: 1})
        (fake / EXPORT_INFO).write_text(json.dumps(info))
        return fake

    older = fake_export("0" * 20, model_path(MODEL).resolve())
    other_model = fake_export("1" * 20, Path("/somewhere/else"))
    assert ensure_export(MODEL) == folder
    assert not older.exists()
    assert other_model.exists()


def test_a_pipeline_it_cannot_reproduce_is_left_to_sentence_transformers(
    model: SentenceTransformer, exports: Path, tmp_path: Path
) -> None:
    cls_pooling = SentenceTransformer(modules=[model[0], Pooling(384, pooling_mode="cls")], device="cpu")
    cls_pooling.save(str(tmp_path / "cls-model"))
    custom = str(tmp_path / "cls-model")
    before = set(exports.iterdir())
    with pytest.raises(OnnxUnavailable, match="pooling mode 'cls'"):
        ensure_export(custom)
    assert set(exports.iterdir()) == before
    assert get_encoder(custom) is None
    assert embedding_dimension(custom) == 384
    expected = cls_pooling.encode(["hello there"], normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(embed(custom, ["hello there"]), expected, atol=1e-5)
