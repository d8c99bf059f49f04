"""`newsbot chat`: a conversation in the terminal with the running bot, over its REST channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TextIO

from devtools.rasa_client import BadReply, BotTurn, Button, RasaClient, RasaUnavailable
from devtools.transcripts import new_sender

logger = logging.getLogger(__name__)

PROMPT = "you> "
ENDINGS = ("", "quit", "exit", "q")
BOT = "bot> "
INDENT = " " * len(BOT)


def show(reply: BotTurn, out: TextIO) -> list[Button]:
    """Print a reply: its text, its sources as numbered citations, its buttons as numbered suggestions."""
    if not reply.messages:
        print(f"{BOT}(no reply)", file=out)
    for text in reply.texts:
        lines = text.splitlines() or [""]
        print(BOT + lines[0], file=out)
        for line in lines[1:]:
            print((INDENT + line).rstrip(), file=out)
    if reply.sources:
        print("Sources:", file=out)
        for number, source in enumerate(reply.sources, start=1):
            speaker = source.get("speaker") or "the article"
            title = source.get("title") or source.get("article") or "?"
            print(f"  [{number}] {speaker}, paragraph {source.get('paragraph', '?')} of “{title}”", file=out)
    if reply.buttons:
        print("Suggestions (type a number to send it):", file=out)
        for number, button in enumerate(reply.buttons, start=1):
            print(f"  {number}. {button.title}", file=out)
    out.flush()
    return list(reply.buttons)


def chat(client: RasaClient, out: TextIO, read: Callable[[str], str] = input) -> int:
    """Talk until an empty line, 'quit' or end of input. RasaUnavailable when the bot is not there at the start."""
    greeting = client.status()
    sender = new_sender()
    logger.info("chatting as %s", sender)
    print(f"Talking to the bot at {client.base_url} ({greeting}).", file=out)
    print("An empty line or 'quit' ends; a suggestion's number sends it.", file=out)
    suggestions: list[Button] = []
    while True:
        try:
            typed = read(f"\n{PROMPT}").strip()
        except EOFError:
            print(file=out)
            return 0
        if typed.lower() in ENDINGS:
            return 0
        message = typed
        if typed.isdecimal() and 1 <= int(typed) <= len(suggestions):
            chosen = suggestions[int(typed) - 1]
            message = chosen.payload or chosen.title
            print(f"(sending: {message})", file=out)
        try:
            suggestions = show(BotTurn.of(client.send(sender, message)), out)
        except (RasaUnavailable, BadReply) as error:
            print(f"newsbot: {error}", file=out)
            out.flush()
