"""Tests for the `newsbot` command line, run in-process (the model loads once) on the seed index."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import KNOWLEDGE, write_article

from newsbot.cli import main
from newsbot.retrieval.search import MAX_QUESTION_CHARS
from newsbot.settings import PROJECT_ROOT

SEED_ARTICLE = "corbyn-jewish-leaders-talks"
SEED_TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"
SEED_DEV = PROJECT_ROOT / "eval" / "seed-dev.jsonl"
ENTRY_POINT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
PASSAGE_KEYS = {"article", "title", "paragraph", "text", "score", "speaker", "speaker_kind"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main(argv) in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def seed_args(seed_index_dir: Path) -> list[str]:
    return ["--knowledge", str(KNOWLEDGE), "--index", str(seed_index_dir)]


def check_passages(passages: list[dict[str, Any]]) -> None:
    assert passages
    for passage in passages:
        assert set(passage) == PASSAGE_KEYS
        assert passage["article"] == SEED_ARTICLE
        assert passage["title"] == SEED_TITLE
        assert isinstance(passage["paragraph"], int)
        assert 1 <= passage["paragraph"] <= 33
        assert isinstance(passage["text"], str) and passage["text"]
        assert isinstance(passage["score"], float)
        assert isinstance(passage["speaker"], str) and passage["speaker"]


# ---------------------------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------------------------


def test_search_json(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "search", "What did Jonathan Goldstein say?", "--json", *seed_args(seed_index_dir))
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert {"id", "question", "answerable", "passages"} <= set(row)
    assert row["id"] is None
    assert row["question"] == "What did Jonathan Goldstein say?"
    assert row["answerable"] is True
    assert len(row["passages"]) == 5
    check_passages(row["passages"])
    assert row["passages"][0]["paragraph"] == 7
    assert row["passages"][0]["speaker"] == "Jonathan Goldstein"


def test_search_json_respects_k(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "search", "who attended", "--json", "--k", "2", *seed_args(seed_index_dir))
    assert status == 0
    assert len(json.loads(out)["passages"]) == 2


def test_search_text_output(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "search", "Who attended the meeting?", *seed_args(seed_index_dir))
    assert status == 0
    assert out.startswith("Who attended the meeting?  [answerable")
    assert re.search(rf"^1\. \d\.\d{{3}}  {re.escape(SEED_TITLE)}, paragraph \d+ — ", out, re.MULTILINE)


def test_search_batch(capsys: pytest.CaptureFixture[str], seed_index_dir: Path, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    lines = [
        json.dumps({"id": "q1", "question": "Who attended the meeting?"}),
        "{this is not json",
        json.dumps({"id": "q3", "text": "no question field"}),
        json.dumps({"id": "q4", "question": "   "}),
        json.dumps({"id": 5, "question": "What did Jonathan Goldstein say?"}),
        json.dumps({"question": "what did labour sources say about the meeting"}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, _ = run(capsys, "search", "--batch", str(batch), "--json", *seed_args(seed_index_dir))
    assert status == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(lines)
    assert [row["id"] for row in rows] == ["q1", None, "q3", "q4", 5, None]
    for number in (2, 3, 4):
        row = rows[number - 1]
        assert row["line"] == number
        assert isinstance(row["error"], str) and row["error"]
        assert "passages" not in row
    assert "JSON" in rows[1]["error"]
    assert "question" in rows[2]["error"]
    assert "empty" in rows[3]["error"]
    for number, question in ((1, "Who attended the meeting?"), (5, "What did Jonathan Goldstein say?")):
        row = rows[number - 1]
        assert "error" not in row
        assert row["question"] == question
        check_passages(row["passages"])
    assert rows[4]["passages"][0]["speaker"] == "Jonathan Goldstein"
    assert rows[5]["question"] == "what did labour sources say about the meeting"


def test_search_batch_of_good_lines_succeeds(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "good.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "Who attended the meeting?"})
        + "\n"
        + json.dumps({"id": "b", "question": "How do I make chicken soup?"})
        + "\n",
        encoding="utf-8",
    )
    status, out, _ = run(capsys, "search", "--batch", str(batch), "--json", *seed_args(seed_index_dir))
    assert status == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(row["id"], row["answerable"]) for row in rows] == [("a", True), ("b", False)]


@pytest.mark.parametrize("command", ["search", "ask"])
@pytest.mark.parametrize("question", ["", "   ", "a" * (MAX_QUESTION_CHARS + 1)])
def test_unsearchable_question_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path, command: str, question: str
) -> None:
    status, out, err = run(capsys, command, question, *seed_args(seed_index_dir))
    assert status == 2
    assert out == ""
    assert err.startswith("newsbot: ")
    assert err.endswith("\n")
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_search_without_question_or_batch_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path
) -> None:
    status, out, err = run(capsys, "search", *seed_args(seed_index_dir))
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1


def test_entry_point_refuses_an_empty_question() -> None:
    completed = subprocess.run(
        [str(ENTRY_POINT), "search", ""],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    assert completed.stderr.startswith("newsbot: ")
    assert "empty" in completed.stderr
    assert "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------------------------
# ask
# ---------------------------------------------------------------------------------------------


DECLINE_TEXT = "The article doesn't say. I found nothing that answers this question."


def flat(text: str) -> str:
    return " ".join(text.split())


def test_ask_prints_cited_passages(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    question = "What did Jonathan Goldstein say about Corbyn's excuses?"
    status, out, _ = run(capsys, "ask", question, *seed_args(seed_index_dir))
    assert status == 0
    assert out.startswith("Here is what the article says:")
    assert f"— Jonathan Goldstein, paragraph 7 of “{SEED_TITLE}”" in flat(out)
    assert "We had a lot of words but no action." in flat(out)
    assert DECLINE_TEXT not in flat(out)


def test_ask_for_a_voices_words_prints_them(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "ask", "What did Jonathan Goldstein say?", *seed_args(seed_index_dir))
    assert status == 0
    assert out.startswith("What Jonathan Goldstein said:")
    assert f"— Jonathan Goldstein, paragraph 7 of “{SEED_TITLE}”" in flat(out)
    assert "We had a lot of words but no action." in flat(out)


def test_ask_wraps_at_word_boundaries_and_cites_each_passage_once(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path
) -> None:
    status, out, _ = run(capsys, "ask", "What did Labour commit to?", *seed_args(seed_index_dir))
    assert status == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    words = set(flat(out).split())
    for line in lines:
        for word in line.split():
            assert word in words  # no word was cut in two
    citations = [line for line in lines if line.strip().startswith("— ")]
    assert len(citations) == len(set(citations)) >= 1


def test_ask_declines_an_unanswerable_question(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "ask", "how do i make chicken soup", *seed_args(seed_index_dir))
    assert status == 0
    assert flat(out).startswith(DECLINE_TEXT)
    assert "You could ask:" in out and "1. What did " in out
    assert "type a number" not in out  # `newsbot ask` answers once: there is nowhere to type it


def test_ask_names_the_article_it_has_when_asked_for_one_it_has_not(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path
) -> None:
    status, out, _ = run(capsys, "ask", "whats the bitcoin article about", *seed_args(seed_index_dir))
    assert status == 0
    assert flat(out).startswith("I have no article about bitcoin: I answer questions about “Crunch talks")


def test_ask_names_what_the_articles_never_mention(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "ask", "What did Theresa May say about the meeting?", *seed_args(seed_index_dir))
    assert status == 0
    assert flat(out).startswith("The article doesn't mention Theresa May, so I can't answer that from it.")


def test_ask_without_question_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seed_index_dir: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("who attended the meeting?\nquit\nWhat is the capital of France?\n"))
    status, out, _ = run(capsys, "ask", *seed_args(seed_index_dir))
    assert status == 0
    assert f"Ask about: {SEED_TITLE}" in out
    assert "Here is what the article says:" in out
    assert re.search(r"paragraph \d+ of “", out)
    assert "Mark Gardner" in out  # paragraph 23, who attended
    # "quit" ended the session: the question after it was not answered.
    assert DECLINE_TEXT not in flat(out)


def test_ask_prompt_ends_at_end_of_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seed_index_dir: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("How do I make chicken soup?\n"))
    status, out, _ = run(capsys, "ask", *seed_args(seed_index_dir))
    assert status == 0
    assert DECLINE_TEXT in flat(out)


# ---------------------------------------------------------------------------------------------
# eval
# ---------------------------------------------------------------------------------------------

EVAL_ROW = re.compile(
    r"^(?P<mode>\w+)\s+hit@1 (?P<hit1>\d\.\d{3})\s+hit@3 (?P<hit3>\d\.\d{3})\s+MRR (?P<mrr>\d\.\d{3})\s+"
    r"decline P (?P<precision>\d\.\d{3}) R (?P<recall>\d\.\d{3})\s",
    re.MULTILINE,
)


def test_eval_prints_a_row_per_mode(capsys: pytest.CaptureFixture[str], seed_index_dir: Path) -> None:
    status, out, _ = run(capsys, "eval", str(SEED_DEV), *seed_args(seed_index_dir))
    assert status == 0
    assert re.search(r": \d+ answerable, \d+ unanswerable questions", out)
    rows = {match["mode"]: match for match in EVAL_ROW.finditer(out)}
    assert list(rows) == ["hybrid", "bm25", "dense"]
    for row in rows.values():
        hit1, hit3, mrr = float(row["hit1"]), float(row["hit3"]), float(row["mrr"])
        assert 0.0 <= hit1 <= mrr <= 1.0
        assert hit1 <= hit3 <= 1.0
        assert 0.0 <= float(row["precision"]) <= 1.0
        assert 0.0 <= float(row["recall"]) <= 1.0
    # The seed article is small: the hybrid ranking finds most gold paragraphs in its top 3.
    assert float(rows["hybrid"]["hit3"]) >= 0.5


def test_eval_file_with_a_broken_line(capsys: pytest.CaptureFixture[str], seed_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "broken.jsonl"
    good = {"id": "x1", "article": SEED_ARTICLE, "paragraphs": [7], "question": "What did Goldstein say?"}
    questions.write_text(json.dumps(good) + "\n" + '{"question": "unterminated\n', encoding="utf-8")
    status, out, err = run(capsys, "eval", str(questions), *seed_args(seed_index_dir))
    assert status == 1
    assert out == ""
    assert f"{questions}:2:" in err
    assert "Traceback" not in err


def test_eval_answerable_line_without_paragraphs_is_broken(
    capsys: pytest.CaptureFixture[str], seed_index_dir: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "no-gold.jsonl"
    questions.write_text(json.dumps({"id": "x1", "question": "What did Goldstein say?"}) + "\n", encoding="utf-8")
    status, _, err = run(capsys, "eval", str(questions), *seed_args(seed_index_dir))
    assert status == 1
    assert f"{questions}:1:" in err


# ---------------------------------------------------------------------------------------------
# index build
# ---------------------------------------------------------------------------------------------


def test_index_build_names_a_bad_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, "good", "A good article", ["First paragraph.", "Second paragraph."])
    bad = knowledge / "broken.md"
    bad.write_text("No front matter here.\n", encoding="utf-8")
    index = tmp_path / "index"
    status, out, err = run(capsys, "index", "build", "--knowledge", str(knowledge), "--index", str(index))
    assert status == 1
    assert out == ""
    assert "broken.md" in err
    assert "good.md" not in err
    assert "Traceback" not in err
    assert not (index / "current").exists()


def test_index_build_then_up_to_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, "tiny", "A tiny article", ["The council met on Tuesday.", "It agreed a budget."])
    index = tmp_path / "index"
    args = ["index", "build", "--knowledge", str(knowledge), "--index", str(index)]
    status, out, _ = run(capsys, *args)
    assert status == 0
    assert out.startswith("built ")
    assert "2 passages from 1 article(s)" in out
    status, out, _ = run(capsys, *args)
    assert status == 0
    assert "up to date" in out
    assert "built " not in out.split("(")[0]
    # A change to the knowledge makes the next run build again.
    write_article(knowledge, "tiny", "A tiny article", ["The council met on Wednesday."])
    status, out, _ = run(capsys, *args)
    assert status == 0
    assert out.startswith("built ")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"NEWSBOT_MAX_MESSAGE_CHARS": "abc"}, ["NEWSBOT_MAX_MESSAGE_CHARS='abc': Input should be a valid integer"]),
        (
            {"NEWSBOT_RETENTION_DAYS": "-1", "NEWSBOT_SESSION_RATE_PER_MINUTE": "lots"},
            ["NEWSBOT_RETENTION_DAYS='-1'", "NEWSBOT_SESSION_RATE_PER_MINUTE='lots'"],
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line_not_a_traceback(variables: dict[str, str], named: list[str]) -> None:
    """Every command reads the settings first: a bad value was a pydantic traceback."""
    environment = {**os.environ, **variables}
    developer = PROJECT_ROOT / ".venv" / "bin" / "newsbot-dev"
    for command in (
        [str(ENTRY_POINT), "ask", "who met?"],
        [str(ENTRY_POINT), "serve"],
        [str(developer), "converse", "tests/conversations"],
    ):
        completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, check=False)
        assert completed.returncode == 2, completed.stderr
        assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr, completed.stderr
        assert ": a setting is not valid: " in completed.stderr
        assert all(part in completed.stderr for part in named), completed.stderr
