"""Tests of the conversation-testing tools: transcripts, `BotTurn`, `newsbot-dev converse`, and the
chat client and `newsbot chat` they share with readers.

They run against a stand-in for the web app: a stdlib HTTP server on 127.0.0.1 (a random port)
serving `POST /api/chat` and `GET /healthz`, whose canned messages are built from real replies
(`newsbot.domain.Reply`, with the real article's passages and speakers) by the web app's own
renderer (`newsbot.channels.widget`). The transcripts against the real bot are played in
tests/test_bot_e2e.py.
"""

from __future__ import annotations

import functools
import io
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import KNOWLEDGE

from devtools.cli import main as dev_main
from devtools.converse import load_transcripts
from devtools.transcripts import (
    BadReply,
    BotTurn,
    Button,
    Expectation,
    Transcript,
    TranscriptError,
    check_reply,
    cited_paragraphs,
    load_transcript,
    normalise,
    play,
)
from newsbot.channels.chat_client import ChatClient, ChatUnavailable, InvalidURL
from newsbot.channels.widget import message_json, text_message_json
from newsbot.cli import main as newsbot_main
from newsbot.dialogue import conversation
from newsbot.domain import Reply, ReplyKind, Side, Source, Speaker
from newsbot.ingest.knowledge import load_articles
from newsbot.ingest.passages import passages_of
from newsbot.settings import PROJECT_ROOT, get_settings

CONVERSATIONS = PROJECT_ROOT / "tests" / "conversations"
ARTICLE = "corbyn-jewish-leaders-talks"
TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"
PARAGRAPHS = 33
DEV_ENTRY_POINT = PROJECT_ROOT / ".venv" / "bin" / "newsbot-dev"
SUGGESTIONS = ("What did Labour commit to?", "How did the meeting go?", "Who attended the meeting?")
FALLBACK = "Sorry, I didn't understand that. You can ask me about the article."
DECLINE_LEAD = "The article doesn't say. I found nothing that answers this question."
MAX_MESSAGE_CHARS = 1000  # the web app's default cap, which the stand-in applies too
Messages = list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# The API's messages, built from replies shaped like the bot's
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleParagraph:
    number: int
    text: str
    speaker: Speaker


@functools.cache
def article_paragraphs() -> dict[int, ArticleParagraph]:
    """The seed article's paragraphs with the speaker the attribution gives their first passage."""
    (article,) = [a for a in load_articles(KNOWLEDGE) if a.stem == ARTICLE]
    speakers: dict[int, Speaker] = {}
    for passage in passages_of(article):
        speakers.setdefault(passage.paragraph, passage.speaker)
    return {p.number: ArticleParagraph(p.number, p.text, speakers[p.number]) for p in article.paragraphs}


def article_text() -> str:
    return normalise(" ".join(p.text for p in article_paragraphs().values()))


def sources_of(paragraphs: list[int]) -> tuple[Source, ...]:
    chosen = [article_paragraphs()[n] for n in paragraphs]
    return tuple(
        Source(ARTICLE, TITLE, p.number, p.speaker, p.text, round(0.9 - 0.1 * rank, 3)) for rank, p in enumerate(chosen)
    )


def answer(
    question: str,
    paragraphs: list[int],
    contested: bool = False,
    kind: ReplyKind = ReplyKind.ANSWER,
    lead: str | None = None,
) -> Messages:
    """An article answer: the cited passages and, when contested, each side that speaks in them."""
    sources = sources_of(paragraphs)
    voices = list(dict.fromkeys(source.speaker.label for source in sources))
    sides = tuple(Side(voice, (voice,)) for voice in voices) if contested else ()
    lead = lead or ("The article gives different accounts:" if contested else "Here is what the article says:")
    return [message_json(Reply(kind, lead, sources, sides, question=question))]


def follow_up(kind: ReplyKind, lead: str, paragraphs: list[int]) -> Messages:
    """A follow-up ("who said that?", "where does it say that?"): the last answer's passages, listed."""
    return [message_json(Reply(kind, lead, sources_of(paragraphs), question="What did Labour commit to?"))]


def decline(question: str) -> Messages:
    """The bot's "not in the article" reply: why, and three questions it can answer."""
    return [message_json(Reply(ReplyKind.DECLINE, DECLINE_LEAD, suggestions=SUGGESTIONS, question=question))]


def says(text: str, buttons: tuple[str, ...] = ()) -> Messages:
    """A message that is no reply of newsbot's (a greeting: Rasa's own responses)."""
    return [text_message_json(text, [{"title": q, "payload": q} for q in buttons])]


# What a correct bot could answer to every turn of tests/conversations.
GOOD_REPLIES: dict[str, Messages] = {
    "What did Labour commit to?": answer("What did Labour commit to?", [24, 25, 28]),
    "Who said that?": follow_up(ReplyKind.WHO_SAID, "Who said it:", [24, 25, 28]),
    "Where does it say that?": follow_up(ReplyKind.WHERE, "Where it says so:", [24, 25, 28]),
    "How did the meeting go?": answer("How did the meeting go?", [1, 2, 30], contested=True),
    "Was the meeting a success?": answer("Was the meeting a success?", [2, 9, 30], contested=True),
    "Who attended the meeting?": answer("Who attended the meeting?", [22, 23]),
    "Where did the meeting take place?": answer("Where did the meeting take place?", [3, 22]),
    "How long was the meeting?": answer("How long was the meeting?", [23]),
    "What was said about the IHRA definition of antisemitism?": answer("IHRA?", [5, 14, 26], contested=True),
    "Did Labour agree to adopt the IHRA definition in full?": answer("adopt?", [26, 27], contested=True),
    "Which governments have accepted the IHRA definition?": answer("governments?", [27]),
    "What does IHRA stand for?": answer("What does IHRA stand for?", [14]),
    "What is happening with the cases against Ken Livingstone and Jackie Walker?": answer("cases?", [4, 14, 25]),
    "Tell me more": answer("cases?", [12, 24], kind=ReplyKind.MORE),
    "When will their cases be dealt with?": answer("When?", [25]),
    "What did Labour sources say about the meeting?": answer("Labour?", [2, 24]),
    "What did the other side say?": answer("Labour?", [1, 9], kind=ReplyKind.MORE),
    "What did Jonathan Goldstein say?": answer("Goldstein?", [7, 8]),
    "And what did the other side say?": answer("Goldstein?", [24, 30], kind=ReplyKind.MORE),
    "What did Jeremy Corbyn say about the meeting?": answer("Corbyn?", [30]),
    "What about the Board?": answer("Board?", [9, 13]),
    "And Formby?": answer("Formby?", [24, 25, 33]),
    "What is the capital of France?": decline("What is the capital of France?"),
    "Who won the last football World Cup?": decline("World Cup?"),
    "What will the weather be like in London tomorrow?": decline("weather?"),
    "tell me a joke": [
        message_json(
            Reply(
                ReplyKind.DECLINE,
                "I only answer questions about the article, in its own words, so I can't tell you a joke.",
                suggestions=SUGGESTIONS,
                question="tell me a joke",
            )
        )
    ],
    "ok who wrote it?": [
        message_json(Reply(ReplyKind.NOTICE, f"“{TITLE}” was published in The JC.", question="ok who wrote it?"))
    ],
    "What did Theresa May say about the meeting?": decline("Theresa May?"),
    "What did the Chief Rabbi say about the talks?": decline("the Chief Rabbi?"),
    "Hello": says("Hello! Ask me about the news article.", SUGGESTIONS),
    "What can you do?": says("I answer questions about a news article in its own words, with citations."),
    "Are you a bot?": says("Yes, I'm a bot: I quote the article, I don't have opinions."),
    "who r u": says("I'm a bot. I answer questions about the articles here in their own words."),
    "Thanks, bye!": says("Goodbye!"),
    # The readers' transcripts (reader-*.yml)
    "whats simon johnsons job": answer("whats simon johnsons job", [22]),
    "and arkush?": answer("and arkush?", [22]),
    "and mark gardner?": answer("and mark gardner?", [23]),
    "and jennie formby?": answer("and jennie formby?", [33]),
    "what did arkush say after the meeting": decline("arkush?"),
    "and goldstein?": answer("and goldstein?", [7]),
    "did formby apologise": decline("apologise?"),
    "how many people were at the monday meeting with milne": decline("how many?"),
    "ok so how did the monday meeting go": answer("monday meeting?", [20]),
    "what did milne say": decline("milne?"),
    "what does the article say about jackie walker": answer("jackie walker?", [25]),
    "so what does the story say?": answer("so what does the story say?", [1]),
    "what happened at parliament square": answer("parliament square?", [8, 11]),
    "how many people went?": answer("how many people went?", [17]),
    "what did the jewish groups do after the demo": answer("after the demo?", [11]),
    "whens that letter from": answer("whens that letter from", [10]),
    "did corbin accept the ihra defintion": answer("ihra?", [26, 27], contested=True),
    "who has accepted it then": answer("who has accepted it then", [27]),
    "how many councils?": answer("how many councils?", [27]),
    "what did they say abt ihra and education": answer("education?", [28]),
    "whats happening with ken livingstones case": answer("livingstone?", [4, 25]),
    "by when?": answer("by when?", [25]),
    "and jackie walker?": answer("and jackie walker?", [14, 25]),
    "was walker kicked out in the end": decline("walker?"),
    "was there another meeting before tuesday": answer("another meeting?", [19]),
    "who's he?": answer("who's he?", [19]),
    "how did it go?": answer("how did it go?", [20]),
    "what did milne actually say to them": decline("milne?"),
    "what did the lawyers say": decline("lawyers?"),
    "what does the cst do": decline("cst?"),
    "was livingstone expelled in the end": decline("livingstone?"),
    "what did the jlc and bod say about corbyns proposals": answer("proposals?", [13, 14]),
    "when r they meeting again": answer("when r they meeting again", [29]),
    "was it a success?": answer("was it a success?", [2, 9], contested=True),
    "any plans to meet again": answer("any plans to meet again", [29]),
    "so what happens next": answer("so what happens next", [18, 29]),
    "what happened to goldsteins parents": answer("parents?", [8]),
    "what did they want corbyn to do about it": answer("corbyn to do?", [8, 16]),
    "where did they meet?": answer("where did they meet?", [3, 22]),
    "when was that?": answer("when was that?", [1, 22]),
    "how long did it go on": answer("how long did it go on", [23]),
    "who was there": answer("who was there", [22, 23]),
    "who said it was good humoured": answer("good humoured?", [2]),
    'and "not a meeting of minds"?': answer("meeting of minds?", [6]),
    "who said corbyn couldnt quite get there": answer("couldnt quite get there?", [26]),
    "what did corbyn say himself?": answer("corbyn himself?", [30, 31]),
    "hi whats this article about": answer("hi whats this article about", [1]),
    "ok so what were the main points of their letter": answer("letter?", [11, 14]),
    "when are they meeting again": answer("when are they meeting again", [29]),
    "what did labour sources say about the talks": answer("labour sources?", [2, 24]),
    "and the other side?": answer("labour sources?", [30, 31], kind=ReplyKind.MORE),
    "ok": says("Anything else you'd like to know about the article? For example:", SUGGESTIONS),
    "i see": says("Anything else you'd like to know about the article? For example:", SUGGESTIONS),
    "👍": says("I can't search for that: the message has no words, only punctuation or emoji."),
    "thanks bye": says("Bye for now. Come back any time you have more questions."),
    "when will the livingstone case be dealt with": answer("livingstone case?", [25]),
    "start over": says(conversation.STARTED_AFRESH, SUGGESTIONS),
    "/restart": says(conversation.STARTED_AFRESH, SUGGESTIONS),
    "who is goldstein": answer("who is goldstein", [22, 7]),
    "what did he want from corbyn": answer("what did he want from corbyn", [8]),
    "who is the general secretary": answer("who is the general secretary", [33]),
    "what did she promise": answer("what did she promise", [25, 33]),
    "who was the source who said it wasnt a meeting of minds": [
        message_json(
            Reply(
                ReplyKind.DECLINE,
                "The article doesn't name the source, so I can't answer that from it.",
                suggestions=SUGGESTIONS,
                question="who was the source who said it wasnt a meeting of minds",
            )
        )
    ],
    "so corbyn met jewish leaders?": answer("so corbyn met jewish leaders?", [3]),
    "what did he promise": answer("what did he promise", [24, 28]),
    "and the board?": answer("what did the Board promise", [9, 18]),
    "what about the livingstone thing": answer("what about the livingstone thing", [4, 25]),
    "is he still in the party": answer("is he still in the party", [4]),
    "ok and what did labour say in response": answer("labour?", [24, 30], kind=ReplyKind.MORE),
    "what did both sides say": answer("both?", [2, 9], kind=ReplyKind.MORE),
    "what did corbyn say": answer("what did corbyn say", [30, 31, 32]),
    "sorry i meant the board": answer("what did the Board say", [9, 10]),
    "no, i mean who was there": answer("who was there", [22, 23]),
    "how did both sides describe the talks": answer(
        "both sides?", [1, 30], contested=True, lead="What each side said:"
    ),
    "what do each side think about the ihra": answer("each side, ihra?", [14, 26]),
    "what does cst stand for": answer("what does cst stand for", [23]),
    "sorry i meant the jlc": answer("what does JLC stand for", [3]),
    "who else was there": answer("who else was there", [22, 23]),
}

NO_ONE_TO_NAME = "I didn't find an answer to that, so there is no one to name. Ask me about the article."

# Follow-ups whose correct reply depends on the turn before: (the previous message, the message).
GOOD_FOLLOW_UPS: dict[tuple[str, str], Messages] = {
    ("and goldstein?", "who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [7]),
    ("how many people were at the monday meeting with milne", "who said that?"): says(NO_ONE_TO_NAME),
    ("ok so how did the monday meeting go", "who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [20]),
    ("and jackie walker?", "who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [14, 25]),
    ("how did it go?", "and who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [20]),
    ("what does the cst do", "and who said that?"): says(NO_ONE_TO_NAME),
    ("what did the other side say?", "and who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [2, 24]),
    ("whens that letter from", "tell me more"): answer("letter?", [12, 13], kind=ReplyKind.MORE),
    ("what happened to goldsteins parents", "tell me more"): answer("parents?", [7, 11], kind=ReplyKind.MORE),
    ("what did the jlc and bod say about corbyns proposals", "what did the other side say?"): answer(
        "proposals?", [2, 24], kind=ReplyKind.MORE
    ),
    ("what did labour sources say about the talks", "what did the other side say"): answer(
        "labour sources?", [1, 9], kind=ReplyKind.MORE
    ),
    ("what did corbyn say himself?", "what did the other side say?"): answer(
        "corbyn himself?", [1, 9], kind=ReplyKind.MORE
    ),
    ("hi whats this article about", "tell me more"): answer("gist?", [2, 3], kind=ReplyKind.MORE),
    ("tell me more", "who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [2, 3]),
    ("i see", "say that again"): answer("when are they meeting again", [29], kind=ReplyKind.MORE),
    ("say that again", "huh?"): answer(
        "when are they meeting again", [29], kind=ReplyKind.MORE, lead=conversation.QUOTED_AGAIN
    ),
    ("huh?", "is that true?"): follow_up(ReplyKind.WHO_SAID, f"{conversation.CANNOT_CHECK} Who said it:", [29]),
    ("is that true?", "no thats not what i asked"): says(conversation.MISSED, SUGGESTIONS),
    ("no thats not what i asked", "who said that?"): follow_up(ReplyKind.WHO_SAID, "Who said it:", [29]),
    ("start over", "who said that?"): says(conversation.NO_ANSWER_YET, SUGGESTIONS),
    ("What is the capital of France?", "2"): answer(
        SUGGESTIONS[1],
        [3, 22],
        lead=conversation.picked_lead(SUGGESTIONS[1], "Here is what the article says:"),
    ),
    ("2", "7"): says(
        "I can't search for that: the message has no words, only numbers. Ask me about the article, for example:"
    ),
}


# ---------------------------------------------------------------------------------------------
# A stand-in for the web app
# ---------------------------------------------------------------------------------------------


def refusal(status: int, code: str, message: str) -> tuple[int, str]:
    return status, json.dumps({"error": {"code": code, "message": message}})


@dataclass
class StandIn:
    """The web app's /api/chat and /healthz on 127.0.0.1 with canned messages; it records what it was sent."""

    replies: dict[str, Messages]
    follow_ups: dict[tuple[str, str], Messages] = field(default_factory=dict)
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    health: dict[str, Any] = field(default_factory=lambda: {"status": "ok", "rasa": {"reachable": True}})

    def previous_message(self, session_id: str) -> str | None:
        earlier = [body["message"] for body in self.received if body["session_id"] == session_id]
        return earlier[-1] if earlier else None

    def reply_to(self, message: str, previous: str | None = None) -> tuple[int, str]:
        """HTTP status and body for a user message (after `previous` in its conversation): the
        API's own refusals, and a few messages that play server trouble."""
        text = message.strip()
        if len(text) > MAX_MESSAGE_CHARS:
            return refusal(
                422,
                "message_too_long",
                f"The message is {len(text):,} characters long; the limit is {MAX_MESSAGE_CHARS:,}.",
            )
        if text == "__busy__":
            return refusal(429, "rate_limited", "Too many messages; try again in 12 s.")
        if text == "__error__":
            return refusal(503, "rasa_unavailable", "Sorry, the bot is not reachable. Please try again in a moment.")
        if text == "__slow__":
            time.sleep(1.0)
        if text == "__not json__":
            return 200, "<html>oops</html>"
        if text == "__malformed__":
            return 200, json.dumps({"session_id": "x", "messages": [{**says("hi")[0], "answerable": "yes"}]})
        messages = self.follow_ups.get((previous or "", text)) or self.replies.get(text, says(FALLBACK))
        return 200, json.dumps({"session_id": "x", "messages": messages})


def handler_for(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def send(self, status: int, body: str, kind: str = "application/json") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self.send(200 if stand_in.health.get("status") == "ok" else 503, json.dumps(stand_in.health))
            else:
                self.send(404, json.dumps({"detail": "Not Found"}))

        def do_POST(self) -> None:
            if self.path != "/api/chat":
                self.send(404, json.dumps({"detail": "Not Found"}))
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            previous = stand_in.previous_message(body["session_id"])
            stand_in.received.append(body)
            status, text = stand_in.reply_to(body["message"], previous)
            self.send(status, text, "application/json" if text.startswith("{") else "text/html")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


Serve = Callable[[dict[str, Messages], dict[tuple[str, str], Messages] | None], StandIn]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[ThreadingHTTPServer] = []

    def start(replies: dict[str, Messages], follow_ups: dict[tuple[str, str], Messages] | None = None) -> StandIn:
        stand_in = StandIn(replies, follow_ups or {})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(stand_in))
        server.daemon_threads = True
        stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return stand_in

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def good_bot(serve: Serve) -> StandIn:
    return serve(GOOD_REPLIES, GOOD_FOLLOW_UPS)


@pytest.fixture
def nowhere() -> str:
    """The URL of a port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def converse(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`newsbot-dev converse ARGV...`: exit status, stdout, stderr."""
    capsys.readouterr()
    status = dev_main(["converse", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def turn_of(messages: Messages) -> BotTurn:
    return BotTurn.of(messages)


# ---------------------------------------------------------------------------------------------
# load_transcript
# ---------------------------------------------------------------------------------------------

EXAMPLE = """\
name: Labour's commitments, then follow-ups
turns:
  - user: What did Labour commit to?
    expect:
      contains: ["end of July"]
      speakers: ["Labour sources"]
      paragraphs: [25]
      any_paragraphs: [24, 25, 28]
  - user: who said that?
    expect:
      contains: [["Labour sources", "Formby"]]
  - user: What is the capital of France?
    expect:
      declines: true
      buttons: 3
  - user: "ab"
    repeat: 3
    expect: {replies: true}
"""


def test_load_example(tmp_path: Path) -> None:
    transcript = load_transcript(write(tmp_path, "t.yml", EXAMPLE))
    assert transcript.name == "Labour's commitments, then follow-ups"
    assert [t.number for t in transcript.turns] == [1, 2, 3, 4]
    first, second, third, fourth = transcript.turns
    assert first.user == "What did Labour commit to?"
    assert first.expect == Expectation(
        contains=(("end of July",),), speakers=(("Labour sources",),), paragraphs=((25,),), any_paragraphs=(24, 25, 28)
    )
    assert second.expect.contains == (("Labour sources", "Formby"),)
    assert third.expect == Expectation(declines=True, buttons=3)
    assert fourth.user == "ababab"
    assert fourth.expect.replies is True


BAD_TRANSCRIPTS = [
    ("name: x\nturns: [\n", None, "not valid YAML"),
    ("- just\n- a list\n", None, "must be a mapping"),
    ("turns:\n  - user: hi\n    expect: {replies: true}\n", None, "'name'"),
    ("name: x\ntitle: y\nturns:\n  - user: hi\n    expect: {replies: true}\n", None, "unknown key 'title'"),
    ("name: x\nturns: []\n", None, "'turns' must be a non-empty list"),
    ("name: x\nname: y\nturns:\n  - user: hi\n    expect: {replies: true}\n", None, "given twice"),
    ("name: x\nturns:\n  - hello\n", 1, "a turn must be a mapping"),
    ("name: x\nturns:\n  - user: hi\n    expect: {replies: true}\n  - expect: {replies: true}\n", 2, "'user'"),
    ("name: x\nturns:\n  - user: 42\n    expect: {replies: true}\n", 1, "'user' must be a non-empty string"),
    ("name: x\nturns:\n  - user: hi\n", 1, "no 'expect'"),
    ("name: x\nturns:\n  - user: hi\n    expect: {}\n", 1, "at least one of"),
    ("name: x\nturns:\n  - user: hi\n    says: hello\n    expect: {replies: true}\n", 1, "unknown key 'says'"),
    (
        "name: x\nturns:\n  - user: hi\n    expect: {replies: true}\n  - user: a\n    expect: {contain: [x]}\n",
        2,
        "'contain'",
    ),
    ("name: x\nturns:\n  - user: hi\n    expect: {contains: end of July}\n", 1, "expect.contains must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {contains: []}\n", 1, "expect.contains must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {contains: [3]}\n", 1, "expect.contains must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {speakers: [[]]}\n", 1, "expect.speakers must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {paragraphs: [twenty]}\n", 1, "expect.paragraphs must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {paragraphs: [0]}\n", 1, "expect.paragraphs must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {paragraphs: [true]}\n", 1, "expect.paragraphs must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {any_paragraphs: [[1, 2]]}\n", 1, "expect.any_paragraphs must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {declines: yes please}\n", 1, "expect.declines must be true or false"),
    ("name: x\nturns:\n  - user: hi\n    expect: {buttons: -1}\n", 1, "expect.buttons must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {buttons: '3'}\n", 1, "expect.buttons must be"),
    ("name: x\nturns:\n  - user: hi\n    expect: {replies: 1}\n", 1, "expect.replies must be true or false"),
    ("name: x\nturns:\n  - user: hi\n    repeat: 0\n    expect: {replies: true}\n", 1, "'repeat'"),
    ("name: x\narticle: 3\nturns:\n  - user: hi\n    expect: {replies: true}\n", None, "'article' must be"),
]


@pytest.mark.parametrize(("content", "turn", "message"), BAD_TRANSCRIPTS)
def test_load_rejects(tmp_path: Path, content: str, turn: int | None, message: str) -> None:
    path = write(tmp_path, "bad.yml", content)
    with pytest.raises(TranscriptError) as caught:
        load_transcript(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text
    if turn is not None:
        assert f": turn {turn}: " in text
    else:
        assert ": turn " not in text


def test_load_unreadable(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match=r"missing\.yml: cannot read"):
        load_transcript(tmp_path / "missing.yml")
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(TranscriptError, match="not UTF-8"):
        load_transcript(binary)


def test_load_transcripts_collects_every_bad_file(tmp_path: Path) -> None:
    good = write(tmp_path, "a.yml", EXAMPLE)
    bad = write(tmp_path, "b.yml", "name: [\n")
    transcripts, errors = load_transcripts([good, bad, tmp_path / "c.yml"])
    assert [t.path for t in transcripts] == [good]
    assert [str(e).split(":")[0] for e in errors] == [str(bad), str(tmp_path / "c.yml")]
    folder_transcripts, folder_errors = load_transcripts([tmp_path])
    assert len(folder_transcripts) == 1 and len(folder_errors) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no transcript files" in str(load_transcripts([empty])[1][0])


# ---------------------------------------------------------------------------------------------
# The project's transcripts
# ---------------------------------------------------------------------------------------------


def project_transcripts() -> list[Transcript]:
    transcripts, errors = load_transcripts([CONVERSATIONS])
    assert not errors, errors
    return transcripts


def test_project_transcripts_load_and_cover_the_brief() -> None:
    transcripts = project_transcripts()
    assert len(transcripts) >= 8
    turns = [turn for t in transcripts for turn in t.turns]
    users = {turn.user.lower() for turn in turns}
    for needed in (
        "who said that?",
        "where does it say that?",
        "tell me more",
        "what did the other side say?",
        "what about the board?",
        "and formby?",
        "hello",
        "are you a bot?",
        "<b>hi</b>",
        '/greet{"x":1}',
    ):
        assert needed in users, needed
    (oversized,) = [turn for turn in turns if len(turn.user) == 5000]
    assert oversized.expect.contains == (("limit is 1,000",),)  # the API's refusal, as the reader sees it
    declines = [turn for turn in turns if turn.expect.declines]
    assert len(declines) >= 3 and all(turn.expect.buttons == 3 for turn in declines)


def test_project_transcripts_rest_on_the_article() -> None:
    """Article answers expect snippets the article contains, speakers it has, paragraphs that exist."""
    text = article_text()
    speakers = {normalise(p.speaker.label) for p in article_paragraphs().values()}
    for transcript in project_transcripts():
        for turn in transcript.turns:
            where = f"{transcript.path.name} turn {turn.number}"
            numbers = [n for options in turn.expect.paragraphs for n in options] + list(turn.expect.any_paragraphs)
            assert all(1 <= n <= PARAGRAPHS for n in numbers), where
            if turn.expect.declines is False:
                for options in turn.expect.contains:
                    for option in options:
                        assert normalise(option) in text, f"{where}: {option!r} is not in the article"
            for options in turn.expect.speakers:
                for option in options:
                    assert any(normalise(option) in s for s in speakers), f"{where}: no speaker {option!r}"


def test_project_transcripts_pass_with_good_replies(capsys: pytest.CaptureFixture[str], good_bot: StandIn) -> None:
    """The expectations are not brittle: plausible correct replies (not today's exact ones) meet them all."""
    status, out, err = converse(capsys, str(CONVERSATIONS), "--url", good_bot.url)
    count = len(project_transcripts())
    assert (status, err) == (0, ""), out
    assert out.splitlines()[-1] == f"{count} passed, 0 failed"
    assert out.count("PASS  ") == count


# ---------------------------------------------------------------------------------------------
# BotTurn and the expectation checks, on the API's messages
# ---------------------------------------------------------------------------------------------


def test_bot_turn_of_an_answer() -> None:
    reply = turn_of(answer("What did Labour commit to?", [24, 25]))
    assert reply.kinds == ("answer",)
    assert reply.answerable is True and not reply.declined and not reply.contested and not reply.refused
    assert reply.paragraphs == [24, 25]
    assert reply.speakers == ["Labour sources", "the article"]
    assert "> Ms Formby also committed" in reply.text
    assert f"  — Labour sources, paragraph 24 of “{TITLE}”" in reply.text
    assert reply.buttons == ()
    assert turn_of(answer("How did the meeting go?", [1, 2], contested=True)).contested


def test_bot_turn_of_a_decline_of_chit_chat_and_of_a_refusal() -> None:
    declined = turn_of(decline("What is the capital of France?"))
    assert declined.answerable is False and declined.declined and declined.kinds == ("decline",)
    assert declined.sources == () and len(declined.buttons) == 3
    assert declined.buttons[0] == Button(SUGGESTIONS[0], SUGGESTIONS[0])
    chat = turn_of(says("Hi there!"))
    assert chat.answerable is None and not chat.declined and chat.texts == ("Hi there!",)
    refused = turn_of([{"text": "The message is 5,000 characters long.", "kind": "refused", "buttons": []}])
    assert refused.refused and refused.answerable is None and refused.text.startswith("The message is")
    assert turn_of([]).messages == ()
    # A notice says neither; next to an answer, the answer decides.
    notice = message_json(Reply(ReplyKind.NOTICE, "That's all the article says about it."))
    assert turn_of([notice]).answerable is None
    assert turn_of([notice, *answer("q", [25])]).answerable is True


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        ("not an object", "not a JSON object"),
        ({**says("x")[0], "text": 3}, '"text" is not a string'),
        ({**says("x")[0], "kind": None}, '"kind" is not a string'),
        ({**says("x")[0], "buttons": "yes"}, '"buttons" is not a list'),
        ({**says("x")[0], "buttons": [{"payload": "/x"}]}, "a button is not"),
        ({**says("x")[0], "sources": [3]}, '"sources" is not a list of objects'),
        ({**says("x")[0], "answerable": "yes"}, '"answerable" is not true, false or null'),
        ({**says("x")[0], "contested": "no"}, '"contested" is not true or false'),
    ],
)
def test_bot_turn_rejects_what_the_api_does_not_send(message: object, complaint: str) -> None:
    with pytest.raises(BadReply, match=complaint):
        BotTurn.of([message])


def test_check_contains() -> None:
    reply = turn_of(answer("q", [25]))
    assert check_reply(Expectation(contains=(("END OF JULY",), ("ms formby",))), reply) == []
    assert check_reply(Expectation(contains=(("end of June", "Livingstone"),)), reply) == []
    (reason,) = check_reply(Expectation(contains=(("end of June",),)), reply)
    assert reason.startswith(
        'expected the text to contain "end of June"; got an answer citing paragraphs [25]: "Here is'
    )
    assert len(reason) < 250 and "\n" not in reason and reason.endswith('…"')


def test_check_contains_ignores_quote_styles() -> None:
    reply = turn_of(answer("q", [26]))  # “couldn't quite get there” with a straight apostrophe
    assert check_reply(Expectation(contains=(("couldn’t quite get there",), ("\"couldn't",))), reply) == []


def test_check_speakers() -> None:
    reply = turn_of(answer("q", [1, 2]))
    assert reply.speakers == ["the Board of Deputies and JLC", "Labour sources"]
    assert check_reply(Expectation(speakers=(("labour sources",), ("Board",))), reply) == []
    assert check_reply(Expectation(speakers=(("Corbyn", "JLC"),)), reply) == []
    (reason,) = check_reply(Expectation(speakers=(("Goldstein",),)), reply)
    assert reason == (
        "expected a source from \"Goldstein\"; the speakers were ['the Board of Deputies and JLC', 'Labour sources']"
    )
    # A speaker's name in a passage's text is not a source from that speaker.
    assert check_reply(Expectation(speakers=(("Jeremy Corbyn",),)), reply) != []
    # Without sources, the text counts.
    said = turn_of(says("That was Labour sources, in paragraph 24."))
    assert check_reply(Expectation(speakers=(("Labour sources",),)), said) == []
    assert "no sources" in check_reply(Expectation(speakers=(("Board",),)), said)[0]


def test_check_paragraphs() -> None:
    reply = turn_of(answer("q", [24, 28]))
    assert check_reply(Expectation(paragraphs=((24,), (28,)), any_paragraphs=(25, 28)), reply) == []
    assert check_reply(Expectation(paragraphs=((25, 28),)), reply) == []
    assert check_reply(Expectation(paragraphs=((25,),), any_paragraphs=(1, 2)), reply) == [
        "expected paragraph 25 among the sources' paragraphs, got [24, 28]",
        "expected one of paragraphs [1, 2] among the sources' paragraphs, got [24, 28]",
    ]
    said = turn_of(says(f"In “{TITLE}”, paragraphs 24, 25 and 28."))
    assert check_reply(Expectation(paragraphs=((25,),), any_paragraphs=(28,)), said) == []
    (reason,) = check_reply(Expectation(paragraphs=((3,),)), said)
    assert reason == "expected paragraph 3 among the paragraphs the text cites (no sources), got [24, 25, 28]"


def test_cited_paragraphs() -> None:
    assert cited_paragraphs("paragraph 24 of “x”; Paragraphs 3, 5 and 7; paragraphs 9 & 10") == [24, 3, 5, 7, 9, 10]
    assert cited_paragraphs("24 people attended") == []


def test_check_declines() -> None:
    declined = turn_of(decline("What is the capital of France?"))
    answered = turn_of(answer("q", [25]))
    assert check_reply(Expectation(declines=True, buttons=3), declined) == []
    assert check_reply(Expectation(declines=False), answered) == []
    (reason,) = check_reply(Expectation(declines=True), answered)
    assert reason.startswith('expected a decline, got an answer citing paragraphs [25]: "Here is what')
    (reason,) = check_reply(Expectation(declines=False), declined)
    assert reason == f'expected an answer, got a decline: "{DECLINE_LEAD}"'
    # No message says whether it answers: the text decides.
    for text in ("Sorry, I can only answer questions about the article.", "I don't know.", "The articles don't say."):
        assert check_reply(Expectation(declines=True), turn_of(says(text))) == [], text
    (reason,) = check_reply(Expectation(declines=True), turn_of(says("Paris is lovely.")))
    assert reason == 'expected a decline, got "Paris is lovely."'


def test_check_buttons_and_replies() -> None:
    declined = turn_of(decline("q"))
    (reason,) = check_reply(Expectation(buttons=2), declined)
    assert reason == f'expected 2 button(s), got 3: ["{SUGGESTIONS[0]}", "{SUGGESTIONS[1]}", "{SUGGESTIONS[2]}"]'
    assert check_reply(Expectation(buttons=0), turn_of(says("hi"))) == []
    assert check_reply(Expectation(replies=True), turn_of([])) == ["expected a reply, got no bot messages"]
    assert check_reply(Expectation(replies=True), turn_of(says("hi"))) == []
    assert check_reply(Expectation(replies=False), turn_of([])) == []


# ---------------------------------------------------------------------------------------------
# ChatClient and play() against the stand-in web app
# ---------------------------------------------------------------------------------------------


def test_chat_client_send_and_health(good_bot: StandIn) -> None:
    with ChatClient(good_bot.url + "/", timeout=5) as client:
        assert client.base_url == good_bot.url
        assert client.health()["status"] == "ok"
        messages = client.send("conversation-1", "What is the capital of France?")
    assert good_bot.received == [{"session_id": "conversation-1", "message": "What is the capital of France?"}]
    assert messages == decline("What is the capital of France?")


def test_chat_client_turns_a_refusal_into_the_readers_message(good_bot: StandIn) -> None:
    with ChatClient(good_bot.url, timeout=5) as client:
        (too_long,) = client.send("conversation-1", "x" * 5000)
        (busy,) = client.send("conversation-1", "__busy__")
    assert too_long["kind"] == busy["kind"] == "refused"
    assert too_long["text"] == "The message is 5,000 characters long; the limit is 1,000."
    assert busy["text"] == "Too many messages; try again in 12 s."


def test_chat_client_errors(serve: Serve, nowhere: str) -> None:
    stand_in = serve({}, None)
    with ChatClient(stand_in.url, timeout=0.3) as client:
        with pytest.raises(ChatUnavailable, match=r"^the bot at .* answered HTTP 503: Sorry, the bot is not reachable"):
            client.send("session-1", "__error__")
        with pytest.raises(ChatUnavailable, match=r"did not answer within 0\.3 s$"):
            client.send("session-1", "__slow__")
        with pytest.raises(ChatUnavailable, match=r"answered HTTP 200: <html>oops</html>$"):
            client.send("session-1", "__not json__")
    stand_in.health = {"detail": "Not Found"}
    with ChatClient(stand_in.url, timeout=5) as client, pytest.raises(ChatUnavailable, match="not a newsbot web app"):
        client.health()
    with (
        ChatClient(nowhere, timeout=5) as client,
        pytest.raises(ChatUnavailable, match=rf"^cannot reach the bot at {nowhere}: "),
    ):
        client.send("session-1", "hi")
    for url in ("localhost:8000", "ftp://x", "http://", ""):
        with pytest.raises(InvalidURL):
            ChatClient(url)


def test_play_keeps_one_conversation_per_transcript(tmp_path: Path, good_bot: StandIn) -> None:
    transcript = load_transcript(write(tmp_path, "t.yml", EXAMPLE))
    with ChatClient(good_bot.url, timeout=5) as client:
        first = play(client, transcript)
        second = play(client, transcript)
    sessions = [r["session_id"] for r in good_bot.received]
    assert sessions == [first.session_id] * 4 + [second.session_id] * 4
    assert first.session_id != second.session_id
    assert [r["message"] for r in good_bot.received[:4]] == [t.user for t in transcript.turns]
    # The stand-in answers "What did Labour commit to?" with paragraphs 24, 25, 28, but "who said
    # that?" (lower case) falls back to "Sorry, I didn't understand".
    assert [t.passed for t in first.turns] == [True, False, True, True]
    (reason,) = first.turns[1].reasons
    assert reason.startswith('expected the text to contain "Labour sources" or "Formby"; got "Sorry')


def test_play_asks_beside_the_article_a_transcript_names(tmp_path: Path, good_bot: StandIn) -> None:
    plain = load_transcript(write(tmp_path, "t.yml", EXAMPLE))
    beside = load_transcript(write(tmp_path, "beside.yml", "article: rail-strike\n" + EXAMPLE))
    assert plain.article is None and beside.article == "rail-strike"
    with ChatClient(good_bot.url, timeout=5) as client:
        play(client, plain)
        play(client, beside)
    assert [r.get("article") for r in good_bot.received] == [None] * 4 + ["rail-strike"] * 4


def test_play_records_a_malformed_reply_as_a_failed_turn(tmp_path: Path, good_bot: StandIn) -> None:
    path = write(
        tmp_path,
        "t.yml",
        "name: x\nturns:\n  - user: __malformed__\n    expect: {replies: true}\n"
        "  - user: Hello\n    expect: {replies: true}\n",
    )
    with ChatClient(good_bot.url, timeout=5) as client:
        result = play(client, load_transcript(path))
    assert [turn.passed for turn in result.turns] == [False, True]
    assert result.turns[0].reply is None
    assert result.turns[0].reasons == ("a bot message's \"answerable\" is not true, false or null: 'yes'",)


def test_play_takes_the_apis_refusal_as_the_reply(tmp_path: Path, good_bot: StandIn) -> None:
    path = write(
        tmp_path,
        "t.yml",
        "name: x\nturns:\n  - user: 'Tell me everything. '\n    repeat: 100\n"
        "    expect: {contains: ['limit is 1,000'], declines: false}\n"
        "  - user: 'Tell me everything. '\n    repeat: 100\n    expect: {paragraphs: [25]}\n",
    )
    with ChatClient(good_bot.url, timeout=5) as client:
        result = play(client, load_transcript(path))
    assert result.turns[0].passed, result.turns[0].reasons
    assert result.turns[1].reasons == (
        "expected paragraph 25 among the paragraphs the text cites (no sources), got none",
    )
    assert result.turns[1].reply is not None and result.turns[1].reply.refused


# ---------------------------------------------------------------------------------------------
# newsbot-dev converse
# ---------------------------------------------------------------------------------------------

PASSING = """\
name: Commitments
turns:
  - user: What did Labour commit to?
    expect: {contains: ["end of July"], paragraphs: [25], declines: false}
  - user: Hello
    expect: {replies: true}
"""

FAILING = """\
name: Off-topic, wrongly expected
turns:
  - user: Hello
    expect: {replies: true}
  - user: What is the capital of France?
    expect: {declines: false, buttons: 2, contains: ["Paris"]}
  - user: "What did Labour commit to? "
    repeat: 40
    expect: {paragraphs: [25]}
"""


def test_converse_all_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    files = [write(tmp_path, "a.yml", PASSING), write(tmp_path, "b.yml", PASSING.replace("Commitments", "Again"))]
    status, out, err = converse(capsys, *map(str, files), "--url", good_bot.url, "--timeout", "5")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"PASS  Commitments  ({files[0]}, 2 turns)",
        f"PASS  Again  ({files[1]}, 2 turns)",
        "",
        "2 passed, 0 failed",
    ]


def test_converse_reports_failures(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    good, bad = write(tmp_path, "a.yml", PASSING), write(tmp_path, "b.yml", FAILING)
    status, out, err = converse(capsys, str(good), str(bad), "--url", good_bot.url)
    assert (status, err) == (1, "")
    assert out.splitlines() == [
        f"PASS  Commitments  ({good}, 2 turns)",
        f"FAIL  Off-topic, wrongly expected  ({bad}, 3 turns)",
        "      turn 2: you> What is the capital of France?",
        f'        - expected the text to contain "Paris"; got "{DECLINE_LEAD}"',
        f'        - expected an answer, got a decline: "{DECLINE_LEAD}"',
        f'        - expected 2 button(s), got 3: ["{SUGGESTIONS[0]}", "{SUGGESTIONS[1]}", "{SUGGESTIONS[2]}"]',
        "      turn 3: you> What did Labour commit to? What did Labour commit to? What did Labour commit…",
        "        - expected paragraph 25 among the paragraphs the text cites (no sources), got none",
        "",
        "1 passed, 1 failed",
    ]


def test_converse_default_url_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_APP_URL", good_bot.url)
    get_settings.cache_clear()
    try:
        status, out, _ = converse(capsys, str(write(tmp_path, "a.yml", PASSING)))
    finally:
        get_settings.cache_clear()
    assert status == 0 and out.endswith("1 passed, 0 failed\n")
    assert len(good_bot.received) == 2


def test_converse_unreachable(capsys: pytest.CaptureFixture[str], tmp_path: Path, nowhere: str) -> None:
    status, out, err = converse(capsys, str(write(tmp_path, "a.yml", PASSING)), "--url", nowhere)
    assert status == 1 and out == ""
    assert err.startswith(f"newsbot-dev: cannot reach the bot at {nowhere}: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        ("__slow__", "did not answer within 0.3 s"),
        ("__not json__", "answered HTTP 200: <html>oops</html>"),
        ("__error__", "answered HTTP 503: Sorry, the bot is not reachable."),
    ],
)
def test_converse_stops_at_a_server_that_does_not_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn, message: str, complaint: str
) -> None:
    path = write(tmp_path, "a.yml", f"name: x\nturns:\n  - user: {message}\n    expect: {{replies: true}}\n")
    status, out, err = converse(capsys, str(path), str(path), "--url", good_bot.url, "--timeout", "0.3")
    assert status == 1 and out == ""
    assert err.startswith(f"newsbot-dev: the bot at {good_bot.url} ") and complaint in err
    assert err.count("\n") == 1
    assert len(good_bot.received) == 1  # the run stops at the first turn the bot cannot answer


def test_converse_needs_a_newsbot_web_app(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn
) -> None:
    good_bot.health = {"detail": "Not Found"}  # say, Rasa's address given by habit
    status, out, err = converse(capsys, str(write(tmp_path, "a.yml", PASSING)), "--url", good_bot.url)
    assert (status, out) == (1, "")
    assert err == f"newsbot-dev: {good_bot.url} is not a newsbot web app (GET /healthz: 503)\n"
    assert good_bot.received == []


def test_converse_invalid_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    broken = write(tmp_path, "broken.yml", "name: x\nturns: [\n  - user: hi\n")
    status, out, err = converse(capsys, str(write(tmp_path, "a.yml", PASSING)), str(broken), "--url", good_bot.url)
    assert (status, out) == (2, "")
    assert err.startswith(f"newsbot-dev: {broken}: not valid YAML")
    assert err.count("\n") == 1
    assert good_bot.received == []  # nothing is played when a file is bad
    status, _, err = converse(capsys, str(tmp_path / "missing.yml"), "--url", good_bot.url)
    assert status == 2 and err.startswith(f"newsbot-dev: {tmp_path / 'missing.yml'}: cannot read")


@pytest.mark.parametrize(
    ("option", "message"),
    [(["--url", "localhost:8000"], "--url: not an http(s) URL"), (["--timeout", "0"], "--timeout must be more")],
)
def test_converse_bad_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: list[str], message: str
) -> None:
    status, _, err = converse(capsys, str(write(tmp_path, "a.yml", PASSING)), *option)
    assert status == 2 and err.startswith(f"newsbot-dev: {message}") and err.count("\n") == 1


def test_converse_entry_point_invalid_yaml(tmp_path: Path) -> None:
    """The installed command: exit status 2, one line naming the file, no traceback."""
    broken = write(tmp_path, "broken.yml", "name: [unclosed\n")
    completed = subprocess.run(
        [str(DEV_ENTRY_POINT), "converse", str(broken)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"newsbot-dev: {broken}: not valid YAML")
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------------------------
# newsbot chat
# ---------------------------------------------------------------------------------------------


def chat_with(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, typed: str, *options: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    capsys.readouterr()
    status = newsbot_main(["chat", "--url", url, *options])
    out, err = capsys.readouterr()
    return status, out, err


def test_chat(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn) -> None:
    typed = "What is the capital of France?\n3\nWhat did Labour commit to?\n__error__\n4\nquit\nnot sent\n"
    status, out, err = chat_with(capsys, monkeypatch, good_bot.url, typed)
    assert (status, err) == (0, "")
    assert out.startswith(f"Talking to the bot at {good_bot.url}.\n")
    assert out.count("you> ") == 6
    assert f"bot> {DECLINE_LEAD}\n" in out
    assert "You could ask (type a number to send it):\n       1. What did Labour commit to?\n" in out
    assert f"(sending: {SUGGESTIONS[2]})" in out
    assert "bot> Here is what the article says:\n" in out
    assert "       │ Ms Formby also committed" in out
    assert "    — Labour sources, paragraph 24 of" in out
    assert f"newsbot: the bot at {good_bot.url} answered HTTP 503: Sorry, the bot is not reachable." in out
    messages = [r["message"] for r in good_bot.received]
    # "3" sends the third suggestion; "4" is no suggestion of the last reply, so it is sent as typed.
    assert messages == [
        "What is the capital of France?",
        SUGGESTIONS[2],
        "What did Labour commit to?",
        "__error__",
        "4",
    ]
    assert len({r["session_id"] for r in good_bot.received}) == 1


def test_a_number_picks_from_the_last_suggestions_shown_past_an_answer_without_any(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn
) -> None:
    typed = "What is the capital of France?\nWhat did Labour commit to?\n1\n"
    status, out, _ = chat_with(capsys, monkeypatch, good_bot.url, typed)
    assert status == 0 and f"(sending: {SUGGESTIONS[0]})" in out
    assert [r["message"] for r in good_bot.received] == [
        "What is the capital of France?",
        "What did Labour commit to?",
        SUGGESTIONS[0],
    ]


def test_chat_about_one_article(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn
) -> None:
    status, out, _ = chat_with(capsys, monkeypatch, good_bot.url, "Hello\nWho met?\n", "--article", "rail-strike")
    assert status == 0 and out.startswith(f"Talking to the bot at {good_bot.url} about the article 'rail-strike'.\n")
    assert [r.get("article") for r in good_bot.received] == ["rail-strike", "rail-strike"]


def test_chat_shows_a_refusal_and_goes_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn
) -> None:
    status, out, _ = chat_with(capsys, monkeypatch, good_bot.url, "x" * 1500 + "\nHello\n")
    assert status == 0
    assert "bot> The message is 1,500 characters long; the limit is 1,000.\n" in out
    assert "bot> Hello! Ask me about the news article." in out


def test_chat_ends_at_end_of_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn
) -> None:
    status, out, _ = chat_with(capsys, monkeypatch, good_bot.url, "Hello\n")
    assert status == 0 and "bot> Hello! Ask me about the news article." in out
    assert out.endswith("you> \n")  # end of input ends the chat on a fresh line
    status, _, _ = chat_with(capsys, monkeypatch, good_bot.url, "\nHello\n")
    assert status == 0 and len(good_bot.received) == 1


def test_chat_unreachable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, nowhere: str) -> None:
    status, out, err = chat_with(capsys, monkeypatch, nowhere, "Hello\n")
    assert (status, out) == (1, "")
    assert err.startswith(f"newsbot: cannot reach the bot at {nowhere}: ") and err.count("\n") == 1
