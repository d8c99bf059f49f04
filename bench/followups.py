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
With --chat URL, each conversation goes to a running bot's chat API (`newsbot serve`: its NLU
routes each message; a new session for each conversation, the question's article sent as the
widget beside its story sends it): the whole path a reader's follow-up takes.

    .venv/bin/python bench/followups.py --chat http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
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


@dataclass(frozen=True)
class Answered:
    """What a reply showed: its passages' (article, paragraph), and whether it declined."""

    keys: list[tuple[str, int]]
    declined: bool

    @classmethod
    def of(cls, reply: Reply) -> Answered:
        return cls([(source.article, source.paragraph) for source in reply.passages], reply.kind is ReplyKind.DECLINE)


# How a conversation is asked: (row, with its question before?) -> the follow-up's reply.
Asking = Callable[[dict[str, Any], bool], Answered]


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

    def add(self, row: dict[str, Any], reply: Answered) -> bool:
        """Count the reply; whether it is right (a gold paragraph first, or declined when unanswerable)."""
        keys, declined = reply.keys, reply.declined
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
    parser.add_argument("--chat", metavar="URL", help="ask a running bot's chat API instead (newsbot serve)")
    args = parser.parse_args(argv)
    if args.chat:
        return measure(through_chat(args.chat.rstrip("/")), args.followups, args.misses, f"the bot at {args.chat}")
    if args.knowledge is None:
        return measure(in_process(get_source().get()), args.followups, args.misses, "the bot's articles")
    with tempfile.TemporaryDirectory() as scratch:
        whole = searcher_of_folders([args.knowledge], Path(scratch))
        return measure(in_process(whole), args.followups, args.misses, f"{len(whole.articles)} articles in one index")


def in_process(whole: Searcher) -> Asking:
    def ask(row: dict[str, Any], followed: bool) -> Answered:
        searcher = whole.scoped(row["article"]) if len(whole.articles) > 1 else whole
        state = conversation.State()
        if not followed:
            return Answered.of(conversation.answer(searcher, state, row["question"], None, None))
        conversation.answer(searcher, state, row["before"], None, None)
        if (named := conversation.named_in_followup(row["question"])) is not None:
            return Answered.of(conversation.about_entity(searcher, state, named, row["question"]))
        return Answered.of(conversation.answer(searcher, state, row["question"], None, None))

    return ask


def through_chat(url: str) -> Asking:
    def post(session: str, message: str, article: str) -> dict[str, Any]:
        body = json.dumps({"session_id": session, "message": message, "article": article}).encode()
        request = urllib.request.Request(f"{url}/api/chat", body, {"Content-Type": "application/json"})
        for _ in range(30):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return dict(json.load(response))
            except urllib.error.HTTPError as error:
                if error.code != 429:  # the rate limit: wait and ask again
                    raise
                time.sleep(float(error.headers.get("Retry-After") or 2))
        raise RuntimeError(f"{url} kept answering 429 Too Many Requests")

    def ask(row: dict[str, Any], followed: bool) -> Answered:
        session = f"bench-followups-{uuid.uuid4().hex[:16]}"
        if followed:
            post(session, row["before"], row["article"])
        messages = post(session, row["question"], row["article"])["messages"]
        answer = next((m for m in messages if m["kind"] != "notice"), messages[-1])
        return Answered([(s["article"], s["paragraph"]) for s in answer["sources"]], answer["kind"] == "decline")

    return ask


def measure(ask: Asking, path: Path, misses: bool, asked_of: str) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    tallies = {(part, how): Tally() for part in ("tune", "check", "all") for how in ("followed up", "alone")}
    for row in rows:
        reply, alone = ask(row, True), ask(row, False)
        for part in (half(row["id"]), "all"):
            right = tallies[part, "followed up"].add(row, reply)
            tallies[part, "alone"].add(row, alone)
        if misses and not right:
            shown = ", ".join(str(paragraph) for _, paragraph in reply.keys) or ("declined" if reply.declined else "-")
            wanted = row.get("paragraphs", "a decline")
            print(f"  {row['before']!r} -> {row['question']!r}: {shown} (wanted {wanted})")
    answerable = sum(row["answerable"] for row in rows)
    print(f"{len(rows)} follow-ups ({answerable} answerable), asked of {asked_of}")
    for (part, how), tally in tallies.items():
        print(tally.row(f"{part}, {how}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
