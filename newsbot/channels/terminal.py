"""The terminal: a reply rendered for a reader at a terminal (`newsbot ask`, `newsbot chat`), and
`newsbot chat`, a conversation with the running bot through the web app's chat API.

Lines are wrapped at word boundaries to the terminal's width; each passage is quoted once, with
its citation once, under it; the sentence that answers is marked (bold on a terminal that shows
it, between » « otherwise).
"""

from __future__ import annotations

import logging
import shutil
import textwrap
from collections.abc import Callable
from typing import Any, TextIO

from newsbot.channels.chat_client import ChatClient, ChatUnavailable, new_session_id, reply_of
from newsbot.channels.text import citation, passage_lines
from newsbot.domain import Reply, ReplyKind, Source

logger = logging.getLogger(__name__)

PROMPT = "you> "
ENDINGS = ("", "quit", "exit", "q")
BOT = "bot> "
MAX_WIDTH = 100
BOLD, PLAIN = "\033[1m", "\033[0m"


def width_of(out: TextIO) -> int:
    columns = shutil.get_terminal_size((80, 24)).columns if out.isatty() else 80
    return max(40, min(MAX_WIDTH, columns))


def marked(source: Source, styled: bool) -> str:
    """The passage's text with its answering sentence marked."""
    mark = source.highlight
    if mark is None or not 0 <= mark.start < mark.end <= len(source.text):
        return source.text
    opening, closing = (BOLD, PLAIN) if styled else ("»", "«")
    text = source.text
    return f"{text[: mark.start]}{opening}{text[mark.start : mark.end]}{closing}{text[mark.end :]}"


def wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    """`text` wrapped at word boundaries (never inside a word), each line starting with `indent`."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def render(reply: Reply, width: int = 80, styled: bool = False, chatting: bool = True) -> str:
    """A reply for the terminal: the lead, the passages quoted and cited, the suggestions numbered
    (in a chat, where a number sends one; `newsbot ask` answers once)."""
    lines = wrap(reply.lead, width)
    if reply.kind in (ReplyKind.WHO_SAID, ReplyKind.WHERE):
        for line in passage_lines(reply):
            lines += wrap(line, width, "  ", first="")
    else:
        for source in reply.passages:
            lines.append("")
            lines += wrap(marked(source, styled), width, "  │ ")
            lines += wrap(f"— {citation(source)}", width, "    ", first="    ")
    if reply.suggestions:
        lines += ["", "You could ask (type a number to send it):" if chatting else "You could ask:"]
        for number, question in enumerate(reply.suggestions, start=1):
            lines += wrap(question, width, "     ", first=f"  {number}. ")
    return "\n".join(lines)


def show(messages: list[dict[str, Any]], out: TextIO) -> list[str]:
    """Print the bot's messages; the suggestions they offer, in order (a number sends one)."""
    width, styled = width_of(out) - len(BOT), out.isatty()
    offered: list[str] = []
    if not messages:
        print(f"{BOT}(no reply)", file=out)
    for message in messages:
        reply = reply_of(message)
        if reply is not None:
            text = render(reply, width, styled)
            offered += list(reply.suggestions)
        else:
            text = "\n".join(wrap(str(message.get("text") or ""), width))
        lines = text.splitlines() or [""]
        print(BOT + lines[0], file=out)
        for line in lines[1:]:
            print((" " * len(BOT) + line).rstrip(), file=out)
    out.flush()
    return offered


def chat(client: ChatClient, out: TextIO, read: Callable[[str], str] = input, article: str | None = None) -> int:
    """Talk until an empty line, 'quit' or end of input (`article`: about that article only).
    ChatUnavailable when the bot is not there at the start."""
    client.health()
    session = new_session_id()
    logger.info("chatting as %s", session)
    about = f" about the article {article!r}" if article else ""
    print(f"Talking to the bot at {client.base_url}{about}.", file=out)
    print("An empty line or 'quit' ends; a suggestion's number sends it.", file=out)
    offered: list[str] = []
    while True:
        try:
            typed = read(f"\n{PROMPT}").strip()
        except EOFError:
            print(file=out)
            return 0
        if typed.lower() in ENDINGS:
            return 0
        message = typed
        if typed.isdecimal() and 1 <= int(typed) <= len(offered):
            message = offered[int(typed) - 1]
            print(f"(sending: {message})", file=out)
        try:
            # A reply without suggestions leaves the last ones offered: they are still on screen.
            offered = show(client.send(session, message, article), out) or offered
        except ChatUnavailable as error:
            print(f"newsbot: {error}", file=out)
            out.flush()
