"""Tests of the conversation-testing tools: the Rasa REST client, transcripts, `newsbot converse` and `chat`.

The client is tested against a stand-in for the Rasa server: a stdlib HTTP server on 127.0.0.1 (a
random port) that serves canned REST-channel replies shaped like the bot's, built from the real
article and the real answer renderer. The end-to-end test against the real Rasa server is
elsewhere.
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

from devtools.converse import load_transcripts
from devtools.rasa_client import (
    BadReply,
    BotMessage,
    BotTurn,
    Button,
    InvalidURL,
    RasaClient,
    RasaUnavailable,
    parse_reply,
)
from devtools.transcripts import (
    Expectation,
    Transcript,
    TranscriptError,
    check_reply,
    cited_paragraphs,
    load_transcript,
    normalise,
    play,
)
from newsbot.channels.text import render_text
from newsbot.cli import main
from newsbot.domain import Reply as BotReply
from newsbot.domain import ReplyKind, Source, Speaker, SpeakerKind
from newsbot.ingest.knowledge import load_articles
from newsbot.ingest.passages import passages_of
from newsbot.settings import PROJECT_ROOT, get_settings

CONVERSATIONS = PROJECT_ROOT / "tests" / "conversations"
ARTICLE = "corbyn-jewish-leaders-talks"
TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"
PARAGRAPHS = 33
ENTRY_POINT = PROJECT_ROOT / ".venv" / "bin" / "newsbot"
SUGGESTIONS = ("What did Labour commit to?", "How did the meeting go?", "Who attended the meeting?")
FALLBACK = "Sorry, I didn't understand that. You can ask me about the article."
DECLINE_TEXT = "The article doesn't say. I found nothing that answers this question."
Reply = list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# Replies shaped like the bot's
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleParagraph:
    number: int
    text: str
    speaker: str


@functools.cache
def article_paragraphs() -> dict[int, ArticleParagraph]:
    """The seed article's paragraphs with the speaker the attribution gives their first passage."""
    (article,) = [a for a in load_articles(KNOWLEDGE) if a.stem == ARTICLE]
    speakers: dict[int, str] = {}
    for passage in passages_of(article):
        speakers.setdefault(passage.paragraph, passage.speaker.label)
    return {p.number: ArticleParagraph(p.number, p.text, speakers[p.number]) for p in article.paragraphs}


def article_text() -> str:
    return normalise(" ".join(p.text for p in article_paragraphs().values()))


def answer(question: str, paragraphs: list[int], contested: bool = False) -> Reply:
    """An article answer: the cited passages as text, then the answer payload."""
    chosen = [article_paragraphs()[n] for n in paragraphs]
    sources = tuple(
        Source(ARTICLE, TITLE, p.number, Speaker(p.speaker, SpeakerKind.PERSON), p.text, round(0.9 - 0.1 * rank, 3))
        for rank, p in enumerate(chosen)
    )
    lead = "The article gives different accounts:" if contested else "Here is what the article says:"
    reply = BotReply(ReplyKind.ANSWER, lead, sources, question=question)
    payload = {"type": "answer", **reply.to_json(), "contested": contested}
    return [{"text": render_text(reply), "custom": payload}]


def decline(question: str) -> Reply:
    """The bot's "not in the article" reply: the decline text, three suggestions, the payload."""
    reply = BotReply(ReplyKind.DECLINE, DECLINE_TEXT, suggestions=SUGGESTIONS, question=question)
    buttons = [{"title": q, "payload": q} for q in SUGGESTIONS]
    return [{"text": render_text(reply), "buttons": buttons, "custom": {"type": "answer", **reply.to_json()}}]


def says(text: str, buttons: tuple[str, ...] = ()) -> Reply:
    reply: dict[str, Any] = {"text": text}
    if buttons:
        reply["buttons"] = [{"title": q, "payload": q} for q in buttons]
    return [reply]


def turn_of(reply: Reply) -> BotTurn:
    return BotTurn.of(parse_reply([{"recipient_id": "someone", **message} for message in reply]))


# What a correct bot could answer to every turn of tests/conversations.
GOOD_REPLIES: dict[str, Reply] = {
    "What did Labour commit to?": answer("What did Labour commit to?", [24, 25, 28]),
    "Who said that?": says(f"Labour sources (paragraph 24 of “{TITLE}”) and the article (paragraphs 25 and 28)."),
    "Where does it say that?": says(f"In “{TITLE}”, paragraphs 24, 25 and 28."),
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
    "Tell me more": answer("Tell me more", [12, 24]),
    "When will their cases be dealt with?": answer("When?", [25]),
    "What did Labour sources say about the meeting?": answer("Labour?", [2, 24]),
    "What did the other side say?": answer("other side?", [1, 9]),
    "What did Jonathan Goldstein say?": answer("Goldstein?", [7, 8]),
    "And what did the other side say?": answer("other side?", [24, 30]),
    "What did Jeremy Corbyn say about the meeting?": answer("Corbyn?", [30]),
    "What about the Board?": answer("Board?", [9, 13]),
    "And Formby?": answer("Formby?", [24, 25, 33]),
    "What is the capital of France?": decline("What is the capital of France?"),
    "Who won the last football World Cup?": decline("World Cup?"),
    "What will the weather be like in London tomorrow?": decline("weather?"),
    "What did Theresa May say about the meeting?": decline("Theresa May?"),
    "What did the Chief Rabbi say about the talks?": decline("the Chief Rabbi?"),
    "Hello": says("Hello! Ask me about the news article.", SUGGESTIONS),
    "What can you do?": says("I answer questions about a news article in its own words, with citations."),
    "Are you a bot?": says("Yes, I'm a bot: I quote the article, I don't have opinions."),
    "Thanks, bye!": says("Goodbye!"),
}


# ---------------------------------------------------------------------------------------------
# A stand-in for the Rasa server
# ---------------------------------------------------------------------------------------------


@dataclass
class StandIn:
    """A REST-channel server on 127.0.0.1 with canned replies; it records what it was sent."""

    replies: dict[str, Reply]
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    greeting: str = "Hello from Rasa: 3.6.21"

    def reply_to(self, message: str) -> tuple[int, str]:
        """HTTP status and body for a user message; a few messages play server trouble."""
        if message == "__error__":
            return 500, "Internal Server Error"
        if message == "__slow__":
            time.sleep(1.0)
        if message == "__not json__":
            return 200, "<html>oops</html>"
        return 200, json.dumps(self.replies.get(message, says(FALLBACK)))


def handler_for(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def send(self, status: int, body: str, kind: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/":
                self.send(200, stand_in.greeting, "text/plain")
            else:
                self.send(404, "not found", "text/plain")

        def do_POST(self) -> None:
            if self.path != "/webhooks/rest/webhook":
                self.send(404, "not found", "text/plain")
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stand_in.received.append(body)
            status, text = stand_in.reply_to(body["message"])
            if status == 200 and text.startswith("["):
                text = json.dumps([{"recipient_id": body["sender"], **m} for m in json.loads(text)])
            self.send(status, text, "application/json")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def serve() -> Iterator[Callable[[dict[str, Reply]], StandIn]]:
    servers: list[ThreadingHTTPServer] = []

    def start(replies: dict[str, Reply]) -> StandIn:
        stand_in = StandIn(replies)
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
def good_bot(serve: Callable[[dict[str, Reply]], StandIn]) -> StandIn:
    return serve(GOOD_REPLIES)


@pytest.fixture
def nowhere() -> str:
    """The URL of a port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


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
    users = {turn.user.lower() for t in transcripts for turn in t.turns}
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
    assert any(len(user) == 5000 for user in users)
    declines = [turn for t in transcripts for turn in t.turns if turn.expect.declines]
    assert len(declines) >= 3 and all(turn.expect.buttons == 3 for turn in declines)


def test_project_transcripts_rest_on_the_article() -> None:
    """Article answers expect snippets the article contains, speakers it has, paragraphs that exist."""
    text = article_text()
    speakers = {normalise(p.speaker) for p in article_paragraphs().values()}
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
    status, out, err = run(capsys, "converse", str(CONVERSATIONS), "--url", good_bot.url)
    count = len(project_transcripts())
    assert (status, err) == (0, ""), out
    assert out.splitlines()[-1] == f"{count} passed, 0 failed"
    assert out.count("PASS  ") == count


# ---------------------------------------------------------------------------------------------
# BotTurn and the expectation checks, on replies shaped like the bot's
# ---------------------------------------------------------------------------------------------


def test_bot_turn_of_an_answer() -> None:
    reply = turn_of(answer("What did Labour commit to?", [24, 25]))
    assert reply.answerable is True and not reply.declined and reply.contested is False
    assert reply.paragraphs == [24, 25]
    assert reply.speakers == ["Labour sources", "the article"]
    assert "> Ms Formby also committed" in reply.text
    assert f"  — Labour sources, paragraph 24 of “{TITLE}”" in reply.text
    assert reply.buttons == ()


def test_bot_turn_of_a_decline_and_of_chit_chat() -> None:
    declined = turn_of(decline("What is the capital of France?"))
    assert declined.answerable is False and declined.declined
    assert declined.sources == () and len(declined.buttons) == 3
    assert declined.buttons[0] == Button(SUGGESTIONS[0], SUGGESTIONS[0])
    chat = turn_of(says("Hi there!"))
    assert chat.answerable is None and not chat.declined and chat.texts == ("Hi there!",)
    assert turn_of([]).messages == ()


@pytest.mark.parametrize(
    "body",
    [
        {"text": "not a list"},
        [["nested"]],
        [{"text": 3}],
        [{"buttons": "yes"}],
        [{"buttons": [{"payload": "/x"}]}],
        [{"custom": "answer"}],
    ],
)
def test_parse_reply_rejects_what_is_not_a_rest_reply(body: object) -> None:
    with pytest.raises(BadReply):
        parse_reply(body)


@pytest.mark.parametrize(
    "custom",
    [
        {"type": "answer", "answerable": "yes", "sources": []},
        {"type": "answer", "answerable": True, "sources": {"paragraph": 1}},
        {"type": "answer", "answerable": True, "sources": [3]},
    ],
)
def test_bot_turn_rejects_a_bad_answer_payload(custom: dict[str, Any]) -> None:
    with pytest.raises(BadReply):
        BotTurn.of([BotMessage(custom=custom)])


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
    assert reason.startswith(f'expected an answer, got a decline: "{DECLINE_TEXT}')
    # No answer payload: the text decides.
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
# RasaClient and play() against the stand-in server
# ---------------------------------------------------------------------------------------------


def test_client_send_and_healthy(good_bot: StandIn) -> None:
    with RasaClient(good_bot.url + "/", timeout=5) as client:
        assert client.base_url == good_bot.url
        assert client.healthy()
        assert client.status() == "Hello from Rasa: 3.6.21"
        messages = client.send("conversation-1", "What is the capital of France?")
    assert good_bot.received == [{"sender": "conversation-1", "message": "What is the capital of France?"}]
    assert [m.recipient_id for m in messages] == ["conversation-1"] * 3
    assert messages[0].text == DECLINE_TEXT
    assert messages[1].custom is not None and messages[1].custom["answerable"] is False
    assert [b.payload for b in messages[2].buttons] == list(SUGGESTIONS)


def test_client_errors(serve: Callable[[dict[str, Reply]], StandIn], nowhere: str) -> None:
    stand_in = serve({})
    with RasaClient(stand_in.url, timeout=0.3) as client:
        with pytest.raises(
            RasaUnavailable, match=r"^cannot reach the bot at .*: POST /webhooks/rest/webhook answered HTTP 500"
        ):
            client.send("s", "__error__")
        with pytest.raises(RasaUnavailable, match=r"no reply within 0\.3 s$"):
            client.send("s", "__slow__")
        with pytest.raises(BadReply, match="other than JSON"):
            client.send("s", "__not json__")
    stand_in.greeting = "Welcome to nginx"
    with RasaClient(stand_in.url, timeout=5) as client:
        assert not client.healthy()
        with pytest.raises(RasaUnavailable, match="not 'Hello from Rasa'"):
            client.status()
    with RasaClient(nowhere, timeout=5) as client:
        assert not client.healthy()
        with pytest.raises(RasaUnavailable, match=rf"^cannot reach the bot at {nowhere}: connection failed"):
            client.send("s", "hi")
    for url in ("localhost:5005", "ftp://x", "http://", ""):
        with pytest.raises(InvalidURL):
            RasaClient(url)


def test_play_keeps_one_conversation_per_transcript(tmp_path: Path, good_bot: StandIn) -> None:
    transcript = load_transcript(write(tmp_path, "t.yml", EXAMPLE))
    with RasaClient(good_bot.url, timeout=5) as client:
        first = play(client, transcript)
        second = play(client, transcript)
    senders = [r["sender"] for r in good_bot.received]
    assert senders == [first.sender] * 4 + [second.sender] * 4
    assert first.sender != second.sender
    assert [r["message"] for r in good_bot.received[:4]] == [t.user for t in transcript.turns]
    # GOOD_REPLIES answers "What did Labour commit to?" with paragraphs 24, 25, 28 but "who said that?"
    # (lower case) falls back to the stand-in's "Sorry, I didn't understand".
    assert [t.passed for t in first.turns] == [True, False, True, True]
    (reason,) = first.turns[1].reasons
    assert reason.startswith('expected the text to contain "Labour sources" or "Formby"; got "Sorry')


def test_play_records_a_bad_reply_as_a_failed_turn(tmp_path: Path, good_bot: StandIn) -> None:
    path = write(tmp_path, "t.yml", "name: x\nturns:\n  - user: __not json__\n    expect: {replies: true}\n")
    with RasaClient(good_bot.url, timeout=5) as client:
        result = play(client, load_transcript(path))
    assert not result.passed
    assert "other than JSON" in result.turns[0].reasons[0]


# ---------------------------------------------------------------------------------------------
# newsbot converse
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
"""


def test_converse_all_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    files = [write(tmp_path, "a.yml", PASSING), write(tmp_path, "b.yml", PASSING.replace("Commitments", "Again"))]
    status, out, err = run(capsys, "converse", *map(str, files), "--url", good_bot.url, "--timeout", "5")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"PASS  Commitments  ({files[0]}, 2 turns)",
        f"PASS  Again  ({files[1]}, 2 turns)",
        "",
        "2 passed, 0 failed",
    ]


def test_converse_reports_failures(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    good, bad = write(tmp_path, "a.yml", PASSING), write(tmp_path, "b.yml", FAILING)
    status, out, err = run(capsys, "converse", str(good), str(bad), "--url", good_bot.url)
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == f"PASS  Commitments  ({good}, 2 turns)"
    assert lines[1] == f"FAIL  Off-topic, wrongly expected  ({bad}, 2 turns)"
    assert lines[2] == "      turn 2: you> What is the capital of France?"
    assert lines[3] == f'        - expected the text to contain "Paris"; got "{DECLINE_TEXT} You could ask:"'
    assert lines[4] == f'        - expected an answer, got a decline: "{DECLINE_TEXT} You could ask:"'
    assert lines[5].startswith("        - expected 2 button(s), got 3: [")
    assert lines[6:] == ["", "1 passed, 1 failed"]
    assert lines[-1] == "1 passed, 1 failed"


def test_converse_default_url_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_RASA_URL", good_bot.url)
    get_settings.cache_clear()
    try:
        status, out, _ = run(capsys, "converse", str(write(tmp_path, "a.yml", PASSING)))
    finally:
        get_settings.cache_clear()
    assert status == 0 and out.endswith("1 passed, 0 failed\n")
    assert len(good_bot.received) == 2


def test_converse_unreachable(capsys: pytest.CaptureFixture[str], tmp_path: Path, nowhere: str) -> None:
    status, out, err = run(capsys, "converse", str(write(tmp_path, "a.yml", PASSING)), "--url", nowhere)
    assert status == 1 and out == ""
    assert err.startswith(f"newsbot: cannot reach the bot at {nowhere}: ")
    assert err.count("\n") == 1


def test_converse_invalid_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, good_bot: StandIn) -> None:
    broken = write(tmp_path, "broken.yml", "name: x\nturns: [\n  - user: hi\n")
    status, out, err = run(
        capsys, "converse", str(write(tmp_path, "a.yml", PASSING)), str(broken), "--url", good_bot.url
    )
    assert (status, out) == (2, "")
    assert err.startswith(f"newsbot: {broken}: not valid YAML")
    assert err.count("\n") == 1
    assert good_bot.received == []  # nothing is played when a file is bad
    status, _, err = run(capsys, "converse", str(tmp_path / "missing.yml"), "--url", good_bot.url)
    assert status == 2 and err.startswith(f"newsbot: {tmp_path / 'missing.yml'}: cannot read")


@pytest.mark.parametrize(
    ("option", "message"),
    [(["--url", "localhost:5005"], "--url: not an http(s) URL"), (["--timeout", "0"], "--timeout must be more")],
)
def test_converse_bad_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: list[str], message: str
) -> None:
    status, _, err = run(capsys, "converse", str(write(tmp_path, "a.yml", PASSING)), *option)
    assert status == 2 and err.startswith(f"newsbot: {message}") and err.count("\n") == 1


def test_converse_entry_point_invalid_yaml(tmp_path: Path) -> None:
    """The installed command: exit status 2, one line naming the file, no traceback."""
    broken = write(tmp_path, "broken.yml", "name: [unclosed\n")
    completed = subprocess.run(
        [str(ENTRY_POINT), "converse", str(broken)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"newsbot: {broken}: not valid YAML")
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------------------------
# newsbot chat
# ---------------------------------------------------------------------------------------------


def chat_with(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str, typed: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    return run(capsys, "chat", "--url", url)


def test_chat(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn) -> None:
    typed = "What is the capital of France?\n3\nWhat did Labour commit to?\n__error__\n4\nquit\nnot sent\n"
    status, out, err = chat_with(capsys, monkeypatch, good_bot.url, typed)
    assert (status, err) == (0, "")
    assert out.startswith(f"Talking to the bot at {good_bot.url} (Hello from Rasa: 3.6.21).")
    assert out.count("you> ") == 6
    assert f"bot> {DECLINE_TEXT}" in out
    assert "Suggestions (type a number to send it):\n  1. What did Labour commit to?\n" in out
    assert f"(sending: {SUGGESTIONS[2]})" in out
    assert "bot> Here is what the article says:\n" in out
    assert f"     > {article_paragraphs()[24].text}\n" in out
    assert f"Sources:\n  [1] Labour sources, paragraph 24 of “{TITLE}”\n  [2] the article, paragraph 25 of" in out
    assert f"newsbot: cannot reach the bot at {good_bot.url}: POST /webhooks/rest/webhook answered HTTP 500" in out
    messages = [r["message"] for r in good_bot.received]
    # "3" sends the third suggestion; "4" is no suggestion of the last reply, so it is sent as typed.
    assert messages == [
        "What is the capital of France?",
        SUGGESTIONS[2],
        "What did Labour commit to?",
        "__error__",
        "4",
    ]
    assert len({r["sender"] for r in good_bot.received}) == 1


def test_chat_ends_at_end_of_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, good_bot: StandIn
) -> None:
    status, out, _ = chat_with(capsys, monkeypatch, good_bot.url, "Hello\n")
    assert status == 0 and "bot> Hello! Ask me about the news article." in out
    status, _, _ = chat_with(capsys, monkeypatch, good_bot.url, "\nHello\n")
    assert status == 0 and len(good_bot.received) == 1


def test_chat_unreachable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, nowhere: str) -> None:
    status, out, err = chat_with(capsys, monkeypatch, nowhere, "Hello\n")
    assert (status, out) == (1, "")
    assert err.startswith(f"newsbot: cannot reach the bot at {nowhere}: ") and err.count("\n") == 1
