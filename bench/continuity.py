"""Answers in a conversation over several articles: a question asked after an answer from its own
story (the story it is about comes first; every article when that one does not answer) against the
same question asked alone, and after an answer from another story (the reader changed the
subject). The reader articles (`eval/reader-articles`, each question naming its story) and the
seed article in one index; the bot's answers (`conversation.ask`), nothing fitted.

    .venv/bin/python bench/continuity.py
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from many_articles import READER, searcher_of_folders

from newsbot.dialogue import conversation
from newsbot.domain import Reply, ReplyKind
from newsbot.settings import PROJECT_ROOT


def share(part: int, whole: int) -> str:
    return f"{part / whole:5.3f}" if whole else "  n/a"


@dataclass
class Tally:
    answerable: int = 0
    first: int = 0  # the reply's first passage answers
    any: int = 0  # one of its passages answers
    declined: int = 0  # answerable questions declined
    unanswerable: int = 0
    declined_right: int = 0
    stayed: int = 0  # answerable questions answered from the story before, not their own

    def row(self, name: str) -> str:
        return (
            f"{name:<34} hit@1 {share(self.first, self.answerable)}  hit@3 {share(self.any, self.answerable)}  "
            f"answerable declined {share(self.declined, self.answerable)}  "
            f"unanswerable declined {share(self.declined_right, self.unanswerable)}  "
            f"answered from the story before {share(self.stayed, self.answerable)}"
        )


def tally(tally_: Tally, row: dict[str, Any], reply: Reply, before: str | None) -> None:
    gold = {(str(row["article"]), int(p)) for p in row.get("paragraphs") or []}
    keys = [(source.article, source.paragraph) for source in reply.passages]
    declined = reply.kind is ReplyKind.DECLINE
    if row.get("answerable", True):
        tally_.answerable += 1
        tally_.first += bool(keys) and keys[0] in gold
        tally_.any += bool(gold & set(keys))
        tally_.declined += declined
        tally_.stayed += before is not None and bool(keys) and keys[0][0] == before != row["article"]
    else:
        tally_.unanswerable += 1
        tally_.declined_right += declined


def main() -> None:
    rows = [json.loads(line) for line in (READER / "questions.jsonl").read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        searcher = searcher_of_folders((PROJECT_ROOT / "knowledge", READER / "knowledge"), Path(scratch))
        articles = searcher.articles
        asked = [row for row in rows if row.get("article") in articles]
        print(f"{len(articles)} articles in one index; {len(asked)} reader questions naming their story")
        alone, after_own, after_other = Tally(), Tally(), Tally()
        for row in asked:
            own = str(row["article"])
            other = articles[(articles.index(own) + 1) % len(articles)]
            question = str(row["question"])
            tally(alone, row, conversation.ask(searcher, question), None)
            tally(after_own, row, conversation.ask(searcher, question, home=own), own)
            tally(after_other, row, conversation.ask(searcher, question, home=other), other)
        print(alone.row("asked alone (every article)"))
        print(after_own.row("after an answer from its story"))
        print(after_other.row("after an answer from another story"))


if __name__ == "__main__":
    main()
