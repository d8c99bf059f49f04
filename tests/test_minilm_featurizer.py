"""The Rasa NLU featurizer (bot/addons/minilm_featurizer.py, run in .venv-rasa on ONNX Runtime)
puts sentence-transformers' vectors on messages: the sentence vector, and per token the mean of
its word pieces' last-layer states.

Real model on both sides: the Rasa environment runs the project's ONNX export (found without any
configuration, as `rasa` finds it), this environment's sentence-transformers gives the reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import MODEL
from rasa_support import last_json_line, run_in_rasa
from sentence_transformers import SentenceTransformer

from newsbot.retrieval.embeddings import get_model
from newsbot.retrieval.onnx_export import ensure_export
from newsbot.serving.supervisor import RASA, rasa_command_env
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

ARTICLE = (PROJECT_ROOT / "knowledge" / "corbyn-jewish-leaders-talks.md").read_text(encoding="utf-8")
TEXTS = [
    "What did Labour commit to?",
    "who said that",
    "hi",
    "THANKS!!! bye 👋",
    "Qui a assisté à la réunion ? Café, naïve, Ünïcödé",
    "what's the JLC's view on the 2018 meeting (Board of Deputies)?",
    "did [Corbyn](person) meet the BoD",
    ARTICLE,  # far past the model's 256 tokens: truncated alike, and tokens past it get zeros
]

COMPONENT_CHECK = """
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from addons.minilm_featurizer import MiniLMFeaturizer

texts = json.loads(sys.stdin.read())
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
context = ExecutionContext(GraphSchema({}), node_name="minilm")
featurizer = MiniLMFeaturizer.create(
    {**MiniLMFeaturizer.get_default_config(), "sequence_features": True}, None, None, context
)
training = TrainingData([Message(data={TEXT: text, "intent": "greet"}) for text in [*texts, ""]])
tokenizer.process_training_data(training)
featurizer.process_training_data(training)
messages = [Message(data={TEXT: text}) for text in texts]
for message in messages:  # one at a time, as at prediction time
    tokenizer.process([message])
    featurizer.process([message])
result = []
for example in [*training.training_examples, *messages]:
    if not example.get(TEXT):
        result.append({"features": len(example.features)})
        continue
    sequence, sentence = example.get_dense_features(TEXT)
    result.append({
        "sentence": sentence.features.tolist(),
        "sequence": sequence.features.tolist(),
        "tokens": [[token.start, token.end] for token in example.get("text_tokens")],
        "origins": sorted({(f.origin, f.type) for f in example.features if f.attribute == TEXT}),
    })
print(json.dumps(result))
"""


def token_vectors(states: np.ndarray, spans: list[tuple[int, int]], tokens: list[list[int]]) -> np.ndarray:
    """Per token: the mean of the word pieces inside it ([CLS] and [SEP] left out), else zeros."""
    pieces, piece_spans = states[1:-1], spans[1:-1]
    vectors = np.zeros((len(tokens), states.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(tokens):
        inside = [i for i, (first, last) in enumerate(piece_spans) if first < end and last > start]
        if inside:
            vectors[row] = pieces[inside].mean(axis=0)
    return vectors


@pytest.fixture(scope="module")
def model() -> SentenceTransformer:
    return get_model(MODEL)


@pytest.fixture(scope="module")
def featurized() -> list[dict[str, Any]]:
    ensure_export(MODEL)  # what scripts/setup.sh does; at once when it did already
    results: list[dict[str, Any]] = last_json_line(run_in_rasa(COMPONENT_CHECK, stdin=json.dumps(TEXTS)))
    return results


def test_the_featurizer_gives_sentence_transformers_vectors(
    model: SentenceTransformer, featurized: list[dict[str, Any]]
) -> None:
    sentences = np.asarray(model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True))
    states = [np.asarray(s.cpu()) for s in model.encode(TEXTS, output_value="token_embeddings")]
    spans = [list(map(tuple, model.tokenizer(text, truncation=True).encodings[0].offsets)) for text in TEXTS]
    training, empty, predicted = featurized[: len(TEXTS)], featurized[len(TEXTS)], featurized[len(TEXTS) + 1 :]
    assert empty == {"features": 0}  # an empty text gets no features
    # The training examples (featurized in batches), then each message alone as at prediction time.
    for results in (training, predicted):
        assert len(results) == len(TEXTS)
        for text, result, sentence, text_states, text_spans in zip(
            TEXTS, results, sentences, states, spans, strict=True
        ):
            vector = np.asarray(result["sentence"])
            assert vector.shape == (1, 384)
            np.testing.assert_allclose(vector[0], sentence, atol=1e-5, err_msg=text)
            sequence = np.asarray(result["sequence"])
            assert sequence.shape == (len(result["tokens"]), 384)
            expected = token_vectors(text_states, text_spans, result["tokens"])
            np.testing.assert_allclose(sequence, expected, atol=1e-5, err_msg=text)
            assert result["origins"] == [["minilm", "sentence"], ["minilm", "sequence"]]
    # Not trivially close: different texts get clearly different vectors, and tokens past the
    # model's 256 tokens (the end of the article) get zeros.
    assert float(sentences[0] @ sentences[1]) < 0.9
    article_sequence = np.asarray(training[-1]["sequence"])
    assert np.abs(article_sequence[0]).max() > 0.1
    assert not article_sequence[-1].any()


def test_without_the_export_it_says_to_run_setup(tmp_path: Path) -> None:
    env = {**rasa_command_env(), "NEWSBOT_MINILM_ONNX_DIR": str(tmp_path / "nothing-here")}
    completed = run_in_rasa(COMPONENT_CHECK, stdin=json.dumps(TEXTS[:1]), env=env)
    assert completed.returncode != 0
    assert "no MiniLM ONNX export in" in completed.stderr
    assert "run scripts/setup.sh" in completed.stderr


SHARED_CHECK = """
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from addons.minilm_featurizer import MiniLMFeaturizer

cases = json.loads(sys.stdin.read())
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
featurizer = MiniLMFeaturizer.create(
    MiniLMFeaturizer.get_default_config(), None, None, ExecutionContext(GraphSchema({}), node_name="minilm")
)
result = []
for text, metadata in cases:
    message = Message(data={TEXT: text, "metadata": metadata})
    tokenizer.process([message])
    featurizer.process([message])
    _, sentence = message.get_dense_features(TEXT)
    result.append({"sentence": sentence.features[0].tolist(), "metadata": message.get("metadata")})
print(json.dumps(result))
"""


def test_a_message_carrying_its_vector_is_not_encoded_again(model: SentenceTransformer) -> None:
    """The vector the web app sends along (newsbot.web.rasa_gateway) becomes the message's sentence
    feature and leaves its metadata; one that is not a unit 384-vector of float32 is ignored."""
    from newsbot.web.rasa_gateway import SHARED_VECTOR, vector_metadata

    ensure_export(MODEL)
    own, other = np.asarray(model.encode(["hi", "What did Labour commit to?"], normalize_embeddings=True))
    # A valid vector of another text shows the featurizer took the given one and ran no model.
    cases = [
        ("hi", {SHARED_VECTOR: vector_metadata(other), "kept": 1}),
        ("hi", {SHARED_VECTOR: vector_metadata(other[:100])}),  # too short
        ("hi", {SHARED_VECTOR: vector_metadata(other * 3)}),  # not unit length
        ("hi", {SHARED_VECTOR: "not base64!"}),
        ("hi", {SHARED_VECTOR: 12}),
        ("hi", {}),
    ]
    results = last_json_line(run_in_rasa(SHARED_CHECK, stdin=json.dumps(cases)))
    np.testing.assert_allclose(results[0]["sentence"], other, atol=1e-6)
    assert results[0]["metadata"] == {"kept": 1}
    for result in results[1:]:
        np.testing.assert_allclose(result["sentence"], own, atol=1e-5)
        assert SHARED_VECTOR not in result["metadata"]
