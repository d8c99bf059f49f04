"""The sentence embedding model run by ONNX Runtime: sentence-transformers' vectors without torch.

The transformer is exported once (newsbot.retrieval.onnx_export, which needs torch) to a folder
of the project, `.data/minilm-onnx/<cache key>/` (NEWSBOT_MINILM_ONNX_DIR overrides
`.data/minilm-onnx`):

    model.onnx      input_ids, attention_mask, token_type_ids -> last_hidden_state
    tokenizer.json  the tokenizer sentence-transformers loaded (Hugging Face tokenizers format)
    export.json     what was exported: the model, its max_seq_length, the exporting libraries

This module reads that folder with onnxruntime, tokenizers and numpy only, so a process that
embeds questions never imports torch, transformers or sentence-transformers. The Rasa server's
NLU featurizer (bot/addons/minilm_featurizer.py) runs the same folder in its own environment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newsbot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

# Part of the cache key: bump when the export (onnx_export.py) or the folder's layout changes.
EXPORT_FORMAT = 2
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
EXPORT_INFO = "export.json"
# The libraries whose versions can change what the export holds.
EXPORTING_PACKAGES = ("torch", "transformers", "sentence-transformers", "tokenizers", "onnx")


class OnnxUnavailable(Exception):
    """This model cannot run on ONNX Runtime here; sentence-transformers will embed instead."""


def exports_dir() -> Path:
    """Where exports live; the Rasa featurizer looks in the same place (bot/addons/minilm_featurizer.py)."""
    configured = os.environ.get("NEWSBOT_MINILM_ONNX_DIR")
    return Path(configured).expanduser() if configured else PROJECT_ROOT / ".data" / "minilm-onnx"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def exporting_versions() -> dict[str, str]:
    return {package: _version(package) for package in EXPORTING_PACKAGES}


def cache_key(model_dir: Path) -> str:
    """Changes with the model's files and with the exporting libraries."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}|{OPSET}|{model_dir.resolve()}".encode())
    for package, version in exporting_versions().items():
        digest.update(f"|{package}={version}".encode())
    for path in sorted(model_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"|{path.relative_to(model_dir)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def export_folder(model_dir: Path) -> Path:
    return exports_dir() / cache_key(model_dir)


def read_export_info(folder: Path) -> dict[str, Any] | None:
    """The folder's export.json when the export in it is complete and of this format, else None."""
    try:
        info: dict[str, Any] = json.loads((folder / EXPORT_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if info.get("format") != EXPORT_FORMAT:
        return None
    for name in (MODEL_FILE, TOKENIZER_FILE):
        path = folder / name
        if not path.is_file() or path.stat().st_size != info.get("sizes", {}).get(name):
            return None
    return info


@dataclass(frozen=True)
class TokenStates:
    """One text's encoding: its sentence vector and its word pieces' last-layer states."""

    vector: npt.NDArray[np.float32]  # [dimension], unit length: the text's embedding
    tokens: npt.NDArray[np.float32]  # [pieces, dimension], each unit length; [CLS] and [SEP] left out
    offsets: npt.NDArray[np.int32]  # [pieces, 2]: each piece's character span in the text
    pieces: npt.NDArray[np.int32]  # [pieces]: each piece's id in the tokenizer's vocabulary


def unit_rows(states: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(states, axis=-1, keepdims=True)
    return np.asarray(states / np.clip(norms, 1e-12, None), dtype=np.float32)


class OnnxEncoder:
    """Embeds texts like `SentenceTransformer.encode(normalize_embeddings=True)`, from an export folder."""

    def __init__(self, folder: Path, threads: int = 1) -> None:
        info = read_export_info(folder)
        if info is None:
            raise OnnxUnavailable(f"no complete export in {folder}")
        import onnxruntime
        from tokenizers import Tokenizer

        self.max_tokens = int(info["max_tokens"])
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            self.session = onnxruntime.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # a damaged export: onnxruntime and tokenizers raise their own types
            raise OnnxUnavailable(f"cannot load the export in {folder}: {error}") from error
        # sentence-transformers truncates at max_seq_length and pads to the batch's longest text.
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        dimension = self.session.get_outputs()[0].shape[-1]
        if not isinstance(dimension, int):
            raise OnnxUnavailable(f"the export in {folder} has no fixed output dimension")
        self.dimension = dimension

    def batches(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[int], npt.NDArray[np.float32]]]:
        """(positions, unit vectors) per batch; texts of similar length go together (less padding)."""
        order = sorted(range(len(texts)), key=lambda position: -len(texts[position]))
        for start in range(0, len(order), batch_size):
            positions = order[start : start + batch_size]
            yield positions, self.embed([texts[position] for position in positions])

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit vectors of one batch, [len(texts), dimension]."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        _, hidden, mask = self._run(texts)
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        return unit_rows(pooled)

    def encode_tokens(self, texts: list[str]) -> list[TokenStates]:
        """Each text's sentence vector and its word pieces' states, with their character spans."""
        if not texts:
            return []
        encodings, hidden, mask = self._run(texts)
        pooled = unit_rows(
            (hidden * mask[..., None]).sum(axis=1) / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        )
        states = []
        for row, encoding in enumerate(encodings):
            keep = [i for i, special in enumerate(encoding.special_tokens_mask) if not special]
            states.append(
                TokenStates(
                    vector=pooled[row],
                    tokens=unit_rows(hidden[row, keep]),
                    offsets=np.array([encoding.offsets[i] for i in keep], dtype=np.int32).reshape(-1, 2),
                    pieces=np.array([encoding.ids[i] for i in keep], dtype=np.int32),
                )
            )
        return states

    def piece(self, piece_id: int) -> str:
        """A word piece's text ("gold", "##st")."""
        return str(self.tokenizer.id_to_token(piece_id) or "")

    def _run(self, texts: list[str]) -> tuple[list[Any], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(encoding.ids) for encoding in encodings)
        inputs = {name: np.zeros((len(texts), length), dtype=np.int64) for name in INPUTS}
        for row, encoding in enumerate(encodings):
            inputs["input_ids"][row, : len(encoding.ids)] = encoding.ids
            inputs["attention_mask"][row, : len(encoding.ids)] = encoding.attention_mask
            inputs["token_type_ids"][row, : len(encoding.ids)] = encoding.type_ids
        (hidden,) = self.session.run([OUTPUT], inputs)
        return encodings, np.asarray(hidden, dtype=np.float32), inputs["attention_mask"].astype(np.float32)
