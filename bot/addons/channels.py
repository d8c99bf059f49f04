"""The REST channel, at Rasa's usual path, with one guarantee: a user message never meets silence."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment."


class GuardedRestInput(RestInput):
    """Rasa's REST channel (/webhooks/rest/webhook). When handling a message produced no reply
    (the action server is down or failed: Rasa logs it and carries on silently), the user gets
    a short apology instead."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> None:
            output = message.output_channel
            before = len(output.messages) if isinstance(output, CollectingOutputChannel) else 0
            try:
                await on_new_message(message)
            except Exception:
                logger.exception("handling a message of conversation %s failed", message.sender_id)
            if isinstance(output, CollectingOutputChannel) and len(output.messages) == before:
                logger.error("no reply to a message of conversation %s: sending an apology", message.sender_id)
                await output.send_text_message(message.sender_id, APOLOGY)

        return super().blueprint(guarded)
