"""Feedback in Slack: 👍 and 👎 buttons under each answer and decline (a Block Kit actions block
whose buttons carry the message's id), the modal a 👎 opens to ask what was wrong, and reading
the clicks and the modal's submission out of Slack's interactivity requests. Pure functions.

The clicker's user id comes with a click; it is used for the ephemeral thank-you only, and never
kept: a judgement is stored with the conversation (the thread) alone. The clicks and the
modal's submission are read in newsbot.channels.slack_events (`SlackRating`, `SlackComment`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FEEDBACK_BLOCK_ID = "newsbot-feedback"
UP_ACTION = "feedback-up"
DOWN_ACTION = "feedback-down"
MODAL_CALLBACK = "newsbot-feedback-comment"
COMMENT_BLOCK = "comment"
COMMENT_ACTION = "comment-input"
MAX_COMMENT_CHARS = 500
RATED_KINDS = frozenset({"answer", "more", "who_said", "where", "decline"})
THANKS = "Thanks for your feedback: it helps the newsroom improve the articles."


def feedback_block(message_id: str) -> dict[str, Any]:
    """The 👍 / 👎 buttons under a message; each button's value is the message's id."""
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK_ID,
        "elements": [
            {
                "type": "button",
                "action_id": action,
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": message_id,
            }
            for action, label in ((UP_ACTION, "👍 Helpful"), (DOWN_ACTION, "👎 Not helpful"))
        ],
    }


def with_feedback(fields: dict[str, Any], message: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack message's fields with the feedback buttons, when the bot's message is one readers
    judge (an answer or a decline) and has an id."""
    message_id = message.get("id")
    if not isinstance(message_id, str) or message.get("kind") not in RATED_KINDS:
        return fields
    return {**fields, "blocks": [*fields["blocks"], feedback_block(message_id)]}


def comment_modal(session: str, message_id: str, kept: str | None = None) -> dict[str, Any]:
    """The modal a 👎 opens: one optional text input, holding the comment `kept` already if any;
    the conversation and message ride along in its private_metadata."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": COMMENT_ACTION,
        "multiline": True,
        "max_length": MAX_COMMENT_CHARS,
    }
    if kept:
        element["initial_value"] = kept
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"session_id": session, "message_id": message_id}),
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Tell the newsroom what was wrong with this answer"},
                "element": element,
            }
        ],
    }
