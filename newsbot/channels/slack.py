"""A reply as a Slack message: the fields of a chat.postMessage call (text and Block Kit blocks).

Pure functions of a Reply. The lead becomes a section; the passages become quotes, each followed
by a context line with its speaker, paragraph and article (a follow-up's list of speakers or
places is one section); suggested questions become buttons whose value is the question, so that
a click asks it. A bot message that is no reply (Rasa's own responses: a greeting, an apology)
is its text and its buttons (`text_message`). Everything that comes from users or articles is
escaped for Slack's mrkdwn, and every piece is kept within Slack's limits.
"""

from __future__ import annotations

from typing import Any

from newsbot.channels.text import passage_lines, render_text
from newsbot.domain import Reply, ReplyKind, Source

# Slack's limits (Block Kit reference): characters of a section's or context element's text, of a
# button's label and value; blocks in a message; elements of an actions block.
SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BLOCK_LIMIT = 50
BUTTON_LIMIT = 25
# chat.postMessage's top-level text is the notification and accessibility fallback; Slack
# advises keeping it under 4,000 characters.
FALLBACK_LIMIT = 4000
ELLIPSIS = "…"
SUGGESTIONS_BLOCK_ID = "suggestions"
SUGGESTION_ACTION_PREFIX = "suggestion-"

Block = dict[str, Any]


def escape(text: str) -> str:
    """Text for mrkdwn: &, < and > are Slack's control characters (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped, cut (with an ellipsis) so that the escaped form has at most `limit` characters."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    room, used, kept = limit - len(ELLIPSIS), 0, []
    for char in text:
        size = len(escape(char))
        if used + size > room:
            break
        kept.append(char)
        used += size
    return escape("".join(kept).rstrip()) + ELLIPSIS


def shorten_plain(text: str, limit: int) -> str:
    """Plain text (no escaping: plain_text fields and button values are not mrkdwn) cut to `limit`."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def section(text: str) -> Block:
    """A section of prose: escaped mrkdwn."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, SECTION_LIMIT)}}


def bolded(source: Source) -> str | None:
    """The passage as escaped mrkdwn with its answering sentences in bold, or None when it has no
    highlight or does not fit in a section."""
    mark, text = source.highlight, source.text
    if mark is None or not 0 <= mark.start < mark.end <= len(text) or "\n" in text:
        return None
    answer = text[mark.start : mark.end]
    lead, trail = answer[: len(answer) - len(answer.lstrip())], answer[len(answer.rstrip()) :]
    body = f"{escape(text[: mark.start])}{lead}*{escape(answer.strip())}*{trail}{escape(text[mark.end :])}"
    return body if len(body) <= SECTION_LIMIT - 2 else None


def quote(source: Source) -> Block:
    """A passage, verbatim, as a quote (each of its lines starts with mrkdwn's quote marker), the
    sentences that answer in bold."""
    marked = bolded(source)
    if marked is not None:
        return {"type": "section", "text": {"type": "mrkdwn", "text": f"> {marked}"}}
    lines = source.text.splitlines() or [""]
    body = fit("\n".join(lines), SECTION_LIMIT - 2 * len(lines))
    quoted = "\n".join(f"> {line}" for line in body.split("\n"))
    return {"type": "section", "text": {"type": "mrkdwn", "text": quoted}}


def context(source: Source) -> Block:
    """Who said a passage and where: the speaker in bold, the paragraph, the article's title."""
    line = f"*{fit(source.who(), 500)}* · paragraph {source.paragraph} of “{fit(source.title, 500)}”"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}


def buttons(questions: list[str]) -> Block:
    """The suggested questions as buttons; a click sends the button's value, the question itself."""
    return labelled_buttons([(question, question) for question in questions])


def labelled_buttons(choices: list[tuple[str, str]]) -> Block:
    """Buttons from (label, value) pairs; a click sends the value."""
    return {
        "type": "actions",
        "block_id": SUGGESTIONS_BLOCK_ID,
        "elements": [
            {
                "type": "button",
                "action_id": f"{SUGGESTION_ACTION_PREFIX}{number}",
                "text": {"type": "plain_text", "text": shorten_plain(label, BUTTON_TEXT_LIMIT), "emoji": False},
                "value": shorten_plain(value, BUTTON_VALUE_LIMIT),
            }
            for number, (label, value) in enumerate(choices[:BUTTON_LIMIT])
        ],
    }


def blocks(reply: Reply) -> list[Block]:
    """The message's blocks, at most Slack's 50 (the buttons are kept; trailing passages give way)."""
    body: list[Block] = [section(reply.lead)] if reply.lead.strip() else []
    if reply.kind in (ReplyKind.WHO_SAID, ReplyKind.WHERE):
        body.append(section("\n".join(passage_lines(reply))))
    else:
        for source in reply.passages:
            body += [quote(source), context(source)]
    tail = [buttons(list(reply.suggestions))] if reply.suggestions else []
    room = BLOCK_LIMIT - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], {"type": "context", "elements": [{"type": "mrkdwn", "text": ELLIPSIS}]}]
    return body + tail


def fallback_text(reply: Reply) -> str:
    """The message's top-level text: what notifications and screen readers show."""
    return fit(render_text(reply).strip(), FALLBACK_LIMIT) or ELLIPSIS


def message(reply: Reply) -> dict[str, Any]:
    """The chat.postMessage fields for a reply: {"text": fallback, "blocks": [...]}."""
    return {"text": fallback_text(reply), "blocks": blocks(reply)}


def text_message(text: str, choices: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The chat.postMessage fields for a message that is no reply of newsbot's (a greeting, an
    apology): the text as a section, and its (label, value) buttons, if any."""
    body: list[Block] = [section(text)] if text.strip() else []
    if choices:
        body.append(labelled_buttons(choices))
    return {"text": fit(text.strip(), FALLBACK_LIMIT) or ELLIPSIS, "blocks": body}
