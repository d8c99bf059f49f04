"""The bot's custom actions: each reads the tracker, calls newsbot.dialogue.conversation off the
event loop, and sends the typed reply as one message: a text fallback, the suggestions as buttons,
and the reply itself as a custom payload that the web app renders for each channel."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from newsbot.channels.text import render_text
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import State
from newsbot.dialogue.topics import shaping_for
from newsbot.domain import Reply, Source
from newsbot.retrieval.search import Searcher
from newsbot.retrieval.service import get_searcher
from newsbot.web.rasa_gateway import ARTICLE

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and I couldn't look that up. Please try again in a moment."
DomainDict = dict[str, Any]
REPLY_TYPE = "answer"  # the custom payload's "type": a newsbot reply


def state_from(tracker: Tracker) -> State:
    rows = tracker.get_slot("last_passages") or []
    shown = tracker.get_slot("shown_paragraphs") or []
    sides = tracker.get_slot("other_sides_shown") or []
    try:
        sources = [Source.from_json(row) for row in rows]
        shown_keys = {(str(article), int(paragraph)) for article, paragraph in shown}
        other_sides = {(str(article), str(side)) for article, side in sides}
    except (KeyError, TypeError, ValueError):
        logger.warning("ignoring malformed answer slots in conversation %s", tracker.sender_id)
        sources, shown_keys, other_sides = [], set(), set()
    story = tracker.get_slot("story")
    offered = tracker.get_slot("offered_questions")
    if not (isinstance(offered, list) and all(isinstance(question, str) for question in offered)):
        offered = []
    return State(
        tracker.get_slot("last_question"),
        tracker.get_slot("last_topic"),
        sources,
        shown_keys,
        other_sides,
        story if isinstance(story, str) else None,
        offered,
    )


def slot_events(state: State) -> list[EventType]:
    return [
        SlotSet("last_question", state.last_question),
        SlotSet("last_topic", state.last_topic),
        SlotSet("last_passages", [source.to_json() for source in state.last_sources]),
        SlotSet("shown_paragraphs", sorted([article, paragraph] for article, paragraph in state.shown)),
        SlotSet("other_sides_shown", sorted([article, side] for article, side in state.other_sides_shown)),
        SlotSet("story", state.story),
        SlotSet("offered_questions", state.offered),
    ]


def payload(reply: Reply) -> dict[str, Any]:
    """The reply as the custom payload of its message (newsbot.domain.Reply.to_json)."""
    return {"type": REPLY_TYPE, **reply.to_json()}


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """The reply as one message: a text fallback for channels that show text only, the suggested
    questions as buttons, and the typed reply as its custom payload."""
    buttons = [{"title": question, "payload": question} for question in reply.suggestions]
    dispatcher.utter_message(text=render_text(reply), buttons=buttons or None, json_message=payload(reply))


class NewsbotAction(Action, ABC):
    """Runs `reply`; on any failure the user gets a short apology and the error is logged.
    (Abstract, so that rasa-sdk registers only the concrete actions.)"""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def reply(self, tracker: Tracker, state: State) -> Reply: ...

    def reply_to_remark_or_intent(self, tracker: Tracker, state: State) -> Reply:
        """A remark on the last answer ("is that true?", "huh?") gets its reply whatever intent the
        NLU gave it; any other message, the action's."""
        remark = conversation.remark(searcher_of(tracker), state, user_text(tracker))
        return remark if remark is not None else self.reply(tracker, state)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        state = state_from(tracker)
        try:
            # Searching is CPU work: off the event loop, so that other conversations go on.
            reply = await asyncio.to_thread(self.reply_to_remark_or_intent, tracker, state)
        except Exception:
            logger.exception("action %s failed in conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=APOLOGY)
            return []
        send(dispatcher, reply)
        state.offer(reply.suggestions)
        return slot_events(state)


def searcher_of(tracker: Tracker) -> Searcher:
    """The searcher over the article the message asks about (the widget beside a story sends
    its name in the message's metadata), or over every article."""
    searcher = get_searcher()
    metadata = tracker.latest_message.get("metadata") or {}
    article = metadata.get(ARTICLE) if isinstance(metadata, dict) else None
    if not isinstance(article, str):
        return searcher
    try:
        return searcher.scoped(article)
    except KeyError:  # the web app checked it; the index may have changed since
        logger.warning("conversation %s asks about article %r, which the index lacks", tracker.sender_id, article)
        return searcher


def user_text(tracker: Tracker) -> str:
    # /api/chat puts a zero-width space before text starting with "/" so that Rasa reads it as
    # text, not as an intent trigger; it is no part of the question.
    return str(tracker.latest_message.get("text") or "").replace("\u200b", "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def latest_entity(tracker: Tracker) -> str | None:
    for entity in ("person", "organisation"):
        value = next(tracker.get_latest_entity_values(entity), None)
        if value:
            return str(value)
    return None


class ActionAnswerTopic(NewsbotAction):
    action_name = "action_answer_topic"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        intent = latest_intent(tracker)
        entity = latest_entity(tracker)
        searcher = searcher_of(tracker)
        shaping = shaping_for(searcher, intent)
        if intent == "ask_about_entity" and entity:
            shaping = conversation.entity_shaping(searcher, entity)
        return conversation.answer(searcher, state, user_text(tracker), intent, shaping)


class ActionAnswerQuestion(NewsbotAction):
    action_name = "action_answer_question"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.answer(searcher_of(tracker), state, user_text(tracker), None, None)


class ActionWhoSaid(NewsbotAction):
    action_name = "action_who_said"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.who_said(searcher_of(tracker), state)


class ActionShowSource(NewsbotAction):
    action_name = "action_show_source"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.show_source(searcher_of(tracker), state)


class ActionRepeat(NewsbotAction):
    action_name = "action_repeat"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.repeat(searcher_of(tracker), state)


class ActionTellMore(NewsbotAction):
    action_name = "action_tell_more"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.tell_more(searcher_of(tracker), state, user_text(tracker))


class ActionOtherSide(NewsbotAction):
    action_name = "action_other_side"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.other_side(searcher_of(tracker), state, user_text(tracker))


class ActionAboutEntity(NewsbotAction):
    action_name = "action_about_entity"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.about_entity(searcher_of(tracker), state, latest_entity(tracker), user_text(tracker))


class ActionIntroduce(NewsbotAction):
    """A greeting, or what the bot can do ("capabilities"), with questions the articles answer."""

    action_name = "action_introduce"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.introduce(searcher_of(tracker), capabilities=latest_intent(tracker) == "capabilities")
