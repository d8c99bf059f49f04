"""The Rasa intent classifier (bot/addons/intent_classifier.py, run in .venv-rasa): trained on the
bot's own NLU data with the real MiniLM featurizer, written to and read back from Rasa's model
storage, it names the intents of messages it never saw, with calibrated confidences."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MODEL
from rasa_support import last_json_line, run_in_rasa

from newsbot.retrieval.onnx_export import ensure_export
from newsbot.serving.supervisor import RASA

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

# Trains on four in five of each intent's examples (a fixed shuffle), predicts the rest, both
# with the classifier as trained and as loaded back from the model storage.
CLASSIFIER_CHECK = """
import json, random, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from addons.intent_classifier import LinearIntentClassifier
from addons.minilm_featurizer import MiniLMFeaturizer

examples = list(load_data("bot/data/nlu").intent_examples)
random.Random(0).shuffle(examples)
by_intent = {}
for example in examples:
    by_intent.setdefault(example.get("intent"), []).append(example)
train, held_out = [], []
for group in by_intent.values():
    cut = max(1, len(group) // 5)
    held_out += group[:cut]
    train += group[cut:]

context = ExecutionContext(GraphSchema({}), node_name="intents")
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
featurizer = MiniLMFeaturizer.create(MiniLMFeaturizer.get_default_config(), None, None, context)
training = TrainingData([Message(data={TEXT: m.get(TEXT), "intent": m.get("intent")}) for m in train])
tokenizer.process_training_data(training)
featurizer.process_training_data(training)

def predict(classifier, texts):
    import numpy as np
    results = []
    for text in texts:
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        featurizer.process([message])
        classifier.process([message])
        result = {"intent": message.get("intent"), "ranking": message.get("intent_ranking")}
        if classifier.model is not None:
            _, sentence = message.get_dense_features(TEXT)
            features = classifier.model.features([text], sentence.features)
            expected = classifier.model.svm.predict_proba(features)[0]
            ours = classifier.model.probabilities(text, sentence.features[0])
            result["sklearn"] = float(np.abs(ours - expected).max())
        results.append(result)
    return results

with tempfile.TemporaryDirectory() as folder:
    storage = LocalModelStorage(Path(folder))
    resource = Resource("intents")
    trained = LinearIntentClassifier.create({}, storage, resource, context)
    trained.train(training)
    loaded = LinearIntentClassifier.load({}, storage, resource, context)
    untrained = LinearIntentClassifier.create({}, storage, Resource("untrained"), context)
    texts = [m.get(TEXT) for m in held_out]
    print(json.dumps({
        "expected": [m.get("intent") for m in held_out],
        "trained": predict(trained, texts),
        "loaded": predict(loaded, texts),
        "untrained": predict(untrained, texts[:1]),
    }))
"""


@pytest.fixture(scope="module")
def predictions() -> dict[str, Any]:
    ensure_export(MODEL)
    result: dict[str, Any] = last_json_line(run_in_rasa(CLASSIFIER_CHECK, timeout=600))
    return result


def test_held_out_messages_get_their_intents(predictions: dict[str, Any]) -> None:
    expected, trained = predictions["expected"], predictions["trained"]
    assert len(expected) >= 100
    right = sum(result["intent"]["name"] == intent for result, intent in zip(trained, expected, strict=True))
    assert right / len(expected) >= 0.9, f"{right} of {len(expected)} held-out messages"


def test_confidences_are_scikit_learns(predictions: dict[str, Any]) -> None:
    assert max(result["sklearn"] for result in predictions["trained"]) < 1e-9


def test_confidences_are_a_ranked_distribution(predictions: dict[str, Any]) -> None:
    for result in predictions["trained"]:
        confidences = [row["confidence"] for row in result["ranking"]]
        assert result["intent"] == result["ranking"][0]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= value <= 1.0 for value in confidences)
        assert sum(confidences) <= 1.0 + 1e-6
        assert len({row["name"] for row in result["ranking"]}) == len(confidences) == 10
    # Calibrated, not one-hot: most held-out messages are confident, but not all of them.
    tops = [result["intent"]["confidence"] for result in predictions["trained"]]
    assert 0.5 < sum(top >= 0.5 for top in tops) / len(tops) < 1.0


def test_the_stored_classifier_predicts_as_the_trained_one(predictions: dict[str, Any]) -> None:
    assert predictions["loaded"] == predictions["trained"]


def test_an_untrained_classifier_names_no_intent(predictions: dict[str, Any]) -> None:
    assert predictions["untrained"] == [{"intent": {"name": None, "confidence": 0.0}, "ranking": []}]
