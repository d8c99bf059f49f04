"""Follow-up questions in a conversation about the seed article (eval/seed-followups.jsonl: a
question asked after another, as readers type them, "when will it be sorted?" after "what happened
with livingstone"): each asked after its question, through the conversation the bot keeps
(no NLU intent: a follow-up naming someone, "and corbyn?", goes to `conversation.about_entity`
as the bot's NLU sends it, others to `conversation.answer`), and alone for comparison. Printed for the tune and the
check half of the set (by a hash of the question's id, as bench/fit_models.py splits the seed
set) and for all of it. Nothing is fitted.

    .venv/bin/python bench/followups.py [--misses]
    .venv/bin/python bench/followups.py --knowledge eval/reader-articles/knowledge eval/reader-articles/followups.jsonl

With --knowledge, the articles of that folder are indexed together (in a scratch folder) and each
conversation is asked of its own article, as the widget beside a story asks (`Searcher.scoped`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from many_articles import searcher_of_folders

from newsbot.dialogue import conversation
from newsbot.domain import Reply, ReplyKind
from newsbot.retrieval.search import Searcher
from newsbot.retrieval.service import get_source
from newsbot.settings import PROJECT_ROOT

FOLLOWUPS = PROJECT_ROOT / "eval" / "seed-followups.jsonl"


def half(question_id: str) -> str:
    return ("tune", "check")[int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % 2]


def share(part: int, whole: int) -> str:
    return f"{part / whole:5.3f}" if whole else "  n/a"


@dataclass
class Tally:
    answerable: int = 0
    first: int = 0  # the reply's first passage is a gold paragraph
    any: int = 0  # one of its passages is
    declined: int = 0  # answerable questions declined
    unanswerable: int = 0
    declined_right: int = 0

    def add(self, row: dict[str, Any], reply: Reply) -> bool:
        """Count the reply; whether it is right (a gold paragraph first, or declined when unanswerable)."""
        keys = [(source.article, source.paragraph) for source in reply.passages]
        declined = reply.kind is ReplyKind.DECLINE
        if not row["answerable"]:
            self.unanswerable += 1
            self.declined_right += declined
            return declined
        gold = {(str(row["article"]), int(p)) for p in row["paragraphs"]}
        self.answerable += 1
        self.first += bool(keys) and keys[0] in gold
        self.any += bool(gold & set(keys))
        self.declined += declined
        return not declined and bool(keys) and keys[0] in gold

    def row(self, name: str) -> str:
        return (
            f"{name:<22} hit@1 {share(self.first, self.answerable)}  hit@3 {share(self.any, self.answerable)}  "
            f"answerable declined {share(self.declined, self.answerable)}  "
            f"unanswerable declined {share(self.declined_right, self.unanswerable)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("followups", nargs="?", type=Path, default=FOLLOWUPS, help="JSON lines of follow-ups")
    parser.add_argument("--knowledge", type=Path, help="the articles to ask (default: the bot's own, knowledge/)")
    parser.add_argument("--misses", action="store_true", help="print each follow-up the conversation gets wrong")
    args = parser.parse_args(argv)
    if args.knowledge is None:
        return measure(get_source().get(), args.followups, args.misses)
    with tempfile.TemporaryDirectory() as scratch:
        return measure(searcher_of_folders([args.knowledge], Path(scratch)), args.followups, args.misses)


def measure(whole: Searcher, path: Path, misses: bool) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    tallies = {(part, how): Tally() for part in ("tune", "check", "all") for how in ("followed up", "alone")}
    for row in rows:
        searcher = whole.scoped(row["article"]) if len(whole.articles) > 1 else whole
        state = conversation.State()
        conversation.answer(searcher, state, row["before"], None, None)
        if (named := conversation.named_in_followup(row["question"])) is not None:
            reply = conversation.about_entity(searcher, state, named, row["question"])
        else:
            reply = conversation.answer(searcher, state, row["question"], None, None)
        alone = conversation.answer(searcher, conversation.State(), row["question"], None, None)
        for part in (half(row["id"]), "all"):
            right = tallies[part, "followed up"].add(row, reply)
            tallies[part, "alone"].add(row, alone)
        if misses and not right:
            shown = ", ".join(str(source.paragraph) for source in reply.passages) or reply.kind.value
            wanted = row.get("paragraphs", "a decline")
            print(f"  {row['before']!r} -> {row['question']!r}: {shown} (wanted {wanted})")
    answerable = sum(row["answerable"] for row in rows)
    print(f"{len(rows)} follow-ups ({answerable} answerable), {len(whole.articles)} article(s) in the index")
    for (part, how), tally in tallies.items():
        print(tally.row(f"{part}, {how}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
