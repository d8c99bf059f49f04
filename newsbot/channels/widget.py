"""A reply as the web API shows it (the chat widget, /api/chat, /api/ask): JSON built from the
typed reply. Pure functions."""

from __future__ import annotations

from typing import Any

from newsbot.channels.text import render_text
from newsbot.domain import Reply, Source


def paragraph_url(article: str, paragraph: int) -> str:
    """Where the demo page shows a paragraph, relative to the app's address."""
    return f"/#{article}-p{paragraph}"


def source_json(source: Source) -> dict[str, Any]:
    """A cited passage: its public fields and the link to its paragraph."""
    return {**source.to_json(), "url": paragraph_url(source.article, source.paragraph)}


def message_json(reply: Reply) -> dict[str, Any]:
    """One bot message of /api/chat: the reply's parts, its text fallback, and its suggestions as buttons."""
    return {
        "text": render_text(reply),
        "kind": reply.kind.value,
        "lead": reply.lead,
        "buttons": [{"title": question, "payload": question} for question in reply.suggestions],
        "sources": [source_json(source) for source in reply.passages],
        "sides": [side.to_json() for side in reply.sides],
        "answerable": reply.answerable,
        "contested": reply.contested,
    }


def text_message_json(text: str, buttons: list[dict[str, str]]) -> dict[str, Any]:
    """A bot message that is no reply of newsbot's (a greeting, a goodbye: Rasa's own responses)."""
    return {
        "text": text,
        "kind": "text",
        "lead": text,
        "buttons": buttons,
        "sources": [],
        "sides": [],
        "answerable": None,
        "contested": False,
    }
