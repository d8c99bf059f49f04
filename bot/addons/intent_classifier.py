"""A Rasa intent classifier that costs about a millisecond a message: a linear SVM over the
message's sentence vector (from the dense featurizer before it, MiniLM) and its word (1-2) and
character (2-5, within words) n-grams, weighed by tf-idf. Its confidences are probabilities, from
sigmoid calibration over 5 folds of the training data; the FallbackClassifier's threshold reads them.

    - name: addons.intent_classifier.LinearIntentClassifier

It replaced DIETClassifier (with a CRFEntityExtractor for the entities): the whole NLU of a message
went from about 24 ms of CPU to about 11 (bench/nlu_parse.py), at about the same cross-validated
intent macro-F1 (bench/nlu_cross_validation.py; the README's figures). Every number is
scikit-learn's default (C = 1, five folds): none is tuned on the bot's data.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse
import skops.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent_classifier.skops"
CALIBRATION_FOLDS = 5
# What the model file may hold: skops loads nothing else.
TRUSTED_TYPES = [
    "builtins.dict",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.str_",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.svm._classes.LinearSVC",
]


class Model:
    """The fitted vectorizers and the calibrated SVM (its `classes_` are the intents).

    `probabilities` computes what `svm.predict_proba(features(...))` does for one message with
    numpy alone: scikit-learn's checks on every call cost more than the arithmetic (about 5 ms a
    message, a sixth of Rasa's turn)."""

    def __init__(self, words: TfidfVectorizer, characters: TfidfVectorizer, svm: CalibratedClassifierCV) -> None:
        self.words = words
        self.characters = characters
        self.svm = svm
        self._vocabularies = [
            (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_) for vectorizer in (words, characters)
        ]
        self._folds = [Fold.of(calibrated, svm.classes_) for calibrated in svm.calibrated_classifiers_]

    def features(self, texts: list[str], sentences: np.ndarray) -> scipy.sparse.csr_matrix:
        return svm_features(self.words, self.characters, texts, sentences)

    def probabilities(self, text: str, sentence: np.ndarray) -> np.ndarray:
        """Each intent's probability (in `svm.classes_` order), as `svm.predict_proba` gives it."""
        columns, values, offset = [], [], len(sentence)
        for analyzer, vocabulary, idf in self._vocabularies:
            counts = Counter(index for term in analyzer(text) if (index := vocabulary.get(term)) is not None)
            if counts:
                indices = np.fromiter(counts, dtype=np.int64, count=len(counts))
                frequencies = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                weights = (1.0 + np.log(frequencies)) * idf[indices]  # sublinear tf times idf
                columns.append(indices + offset)
                values.append(weights / np.linalg.norm(weights))
            offset += len(idf)
        sparse_columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        sparse_values = np.concatenate(values) if values else np.zeros(0)
        return np.mean([fold.probabilities(sentence, sparse_columns, sparse_values) for fold in self._folds], axis=0)

    @classmethod
    def fitted(cls, texts: list[str], sentences: np.ndarray, labels: list[str]) -> Model:
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
        characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)
        smallest = min(labels.count(label) for label in set(labels))
        svm = CalibratedClassifierCV(LinearSVC(), cv=max(2, min(CALIBRATION_FOLDS, smallest)), method="sigmoid")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LinearSVC's convergence notes on tiny data sets
            svm.fit(svm_features(words, characters, texts, sentences), np.array(labels))
        return cls(words, characters, svm)


def svm_features(
    words: TfidfVectorizer, characters: TfidfVectorizer, texts: list[str], sentences: np.ndarray
) -> scipy.sparse.csr_matrix:
    """The rows the SVM reads: each sentence vector, then its text's word and character n-grams."""
    parts = [scipy.sparse.csr_matrix(sentences), words.transform(texts), characters.transform(texts)]
    return scipy.sparse.hstack(parts).tocsr()


class Fold(NamedTuple):
    """One of the calibrated SVMs CalibratedClassifierCV averages: one-vs-rest scores, each class's
    sigmoid, normalised over the classes."""

    coefficients: np.ndarray  # [classes of this SVM, features]
    intercepts: np.ndarray
    slopes: np.ndarray  # per class: probability = 1 / (1 + exp(slope * score + offset))
    offsets: np.ndarray
    classes: np.ndarray  # each row's index among all the intents
    intents: int

    @classmethod
    def of(cls, calibrated: Any, intents: np.ndarray) -> Fold:
        svm = calibrated.base_estimator
        return cls(
            np.asarray(svm.coef_, dtype=np.float64),
            np.asarray(svm.intercept_, dtype=np.float64),
            np.array([calibrator.a_ for calibrator in calibrated.calibrators]),
            np.array([calibrator.b_ for calibrator in calibrated.calibrators]),
            np.searchsorted(intents, svm.classes_),
            len(intents),
        )

    def probabilities(self, sentence: np.ndarray, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        dense = len(sentence)
        scores = self.coefficients[:, :dense] @ sentence + self.coefficients[:, columns] @ values + self.intercepts
        calibrated = 1.0 / (1.0 + np.exp(self.slopes * scores + self.offsets))
        if self.intents == 2:  # one score, for the second intent
            return np.array([1.0 - calibrated[0], calibrated[0]])
        probabilities = np.zeros(self.intents)
        probabilities[self.classes] = calibrated
        total = probabilities.sum()
        return probabilities / total if total > 0 else np.full(self.intents, 1.0 / self.intents)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [DenseFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    def __init__(self, model_storage: ModelStorage, resource: Resource, model: Model | None = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        featurized = [
            (message, vector)
            for message in training_data.intent_examples
            if (vector := sentence_vector(message)) is not None
        ]
        labels = [str(message.get(INTENT)) for message, _ in featurized]
        if len(set(labels)) < 2:
            logger.warning("fewer than two intents with examples: the intent classifier is not trained")
            return self._resource
        texts = [message.get(TEXT) for message, _ in featurized]
        sentences = np.stack([vector for _, vector in featurized])
        self.model = Model.fitted(texts, sentences, labels)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            vector = sentence_vector(message)
            if self.model is None or vector is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            probabilities = self.model.probabilities(message.get(TEXT), vector)
            order = np.argsort(-probabilities)[:LABEL_RANKING_LENGTH]
            ranking = [{"name": str(self.model.svm.classes_[i]), "confidence": float(probabilities[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        if self.model is None:
            return
        with self._model_storage.write_to(self._resource) as folder:
            skops.io.dump(
                {"words": self.model.words, "characters": self.model.characters, "svm": self.model.svm},
                folder / MODEL_FILE,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                parts = skops.io.load(folder / MODEL_FILE, trusted=TRUSTED_TYPES)
        except (ValueError, FileNotFoundError):
            logger.warning("no trained intent classifier in the model: intents will not be predicted")
            return cls(model_storage, resource)
        return cls(model_storage, resource, Model(parts["words"], parts["characters"], parts["svm"]))


def sentence_vector(message: Message) -> np.ndarray | None:
    """The message's dense sentence feature (MiniLM's sentence vector), if a featurizer set one."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features[0], dtype=np.float64)
