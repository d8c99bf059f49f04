"""The prediction graph run without dask (bot/addons/graph_runner.py): the real trained model,
loaded once with Rasa's DaskGraphRunner and once with SequentialGraphRunner, parses readers'
messages and predicts a conversation's next actions alike; and the Rasa server uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_support import last_json_line, run_in_rasa

from newsbot.serving.supervisor import RASA, StackConfig, train

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

COMPARE = r"""
import json, sys, tempfile
from pathlib import Path
import addons
import rasa.core.processor
from addons.graph_runner import SequentialGraphRunner
from rasa.engine import loader
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.core.channels.channel import UserMessage
from rasa.shared.constants import DEFAULT_SENDER_ID

assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner  # what the server loads with

MODEL = Path(sys.stdin.read().strip())
MESSAGES = ["hiya", "wat did labour promise", "who said that?", "and the board?", "whos goldstein",
            "was it a success?", "when r they meeting again", "whats the capital of france", "thanks!",
            "tell me more", "are you a bot", "", "🙂", "ok", "what did the other side say?"]

def outputs(runner_class):
    with tempfile.TemporaryDirectory() as folder:
        metadata, runner = loader.load_predict_graph_runner(
            Path(folder), MODEL, LocalModelStorage, runner_class)
    parses, predictions = [], []
    domain = None
    for text in MESSAGES:
        domain = domain or metadata.domain
        empty = DialogueStateTracker.from_events(DEFAULT_SENDER_ID, [], domain.slots)
        parsed = runner.run(inputs={"__message__": [UserMessage(text)], "__tracker__": empty},
                            targets=[metadata.nlu_target])
        message = parsed[metadata.nlu_target][0]
        data = message.as_dict(only_output_properties=True)
        data.pop("text_tokens", None)
        parses.append({"intent": data.get("intent"), "ranking": data.get("intent_ranking"),
                       "entities": data.get("entities")})
        tracker = DialogueStateTracker.from_events(DEFAULT_SENDER_ID, [
            ActionExecuted("action_listen"), UserUttered(text, data.get("intent"), data.get("entities"))],
            domain.slots)
        predicted = runner.run(inputs={"__tracker__": tracker}, targets=[metadata.core_target])
        prediction = predicted[metadata.core_target]
        predictions.append([prediction.max_confidence_index, round(prediction.max_confidence, 6),
                            prediction.policy_name])
    try:
        runner.run(inputs={"__message__": "run_RegexFeaturizer1"}, targets=[metadata.nlu_target])
        clash = None
    except GraphRunError as error:
        clash = str(error)
    return {"parses": parses, "predictions": predictions, "clash": clash is not None}

print(json.dumps({"dask": outputs(DaskGraphRunner), "sequential": outputs(SequentialGraphRunner)}))
"""


@pytest.fixture(scope="module")
def model() -> Path:
    return train(StackConfig())


def test_the_graph_runs_as_on_dask_and_the_server_loads_it(model: Path) -> None:
    result = last_json_line(run_in_rasa(COMPARE, stdin=str(model)))
    dask, sequential = result["dask"], result["sequential"]
    assert sequential["parses"] == dask["parses"]
    assert sequential["predictions"] == dask["predictions"]
    intents = {parse["intent"]["name"] for parse in sequential["parses"] if parse["intent"]}
    assert len(intents) >= 4, intents  # the messages reach several intents: a test that can fail
    assert dask["clash"] and sequential["clash"]  # an input named as a node is refused by both
