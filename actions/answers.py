"""The bot's custom actions: each reads the tracker, calls newsbot.dialogue.conversation, sends the reply."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from newsbot.channels import slack as slack_format
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import Reply, Source, State
from newsbot.dialogue.topics import shaping_for
from newsbot.retrieval.service import get_searcher

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and I couldn't look that up. Please try again in a moment."
DomainDict = dict[str, Any]
SLACK = "slack"  # the input channel's name (bot/addons/slack.py)


def state_from(tracker: Tracker) -> State:
    rows = tracker.get_slot("last_passages") or []
    shown = tracker.get_slot("shown_paragraphs") or []
    try:
        sources = [Source.from_json(row) for row in rows]
        shown_keys = {(str(article), int(paragraph)) for article, paragraph in shown}
    except (KeyError, TypeError, ValueError):
        logger.warning("ignoring malformed answer slots in conversation %s", tracker.sender_id)
        sources, shown_keys = [], set()
    return State(tracker.get_slot("last_question"), tracker.get_slot("last_topic"), sources, shown_keys)


def slot_events(state: State) -> list[EventType]:
    return [
        SlotSet("last_question", state.last_question),
        SlotSet("last_topic", state.last_topic),
        SlotSet("last_passages", [source.__dict__ for source in state.last_sources]),
        SlotSet("shown_paragraphs", sorted([article, paragraph] for article, paragraph in state.shown)),
    ]


def send(dispatcher: CollectingDispatcher, reply: Reply, input_channel: str | None = None) -> None:
    """The reply as messages: text with buttons plus the structured sources; for Slack, one
    message Rasa's Slack channel posts as it is (chat.postMessage text and blocks)."""
    if input_channel == SLACK:
        dispatcher.utter_message(json_message=slack_format.message(reply))
        return
    buttons = [{"title": question, "payload": question} for question in reply.suggestions]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)
    if reply.answerable is not None:
        dispatcher.utter_message(json_message=reply.payload())


class NewsbotAction(Action, ABC):
    """Runs `reply`; on any failure the user gets a short apology and the error is logged.
    (Abstract, so that rasa-sdk registers only the concrete actions.)"""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def reply(self, tracker: Tracker, state: State) -> Reply: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        state = state_from(tracker)
        try:
            reply = self.reply(tracker, state)
        except Exception:
            logger.exception("action %s failed in conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=APOLOGY)
            return []
        send(dispatcher, reply, tracker.get_latest_input_channel())
        return slot_events(state)


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
        shaping = shaping_for(intent)
        if intent == "ask_about_entity" and entity:
            shaping = conversation.entity_shaping(entity)
        return conversation.answer(get_searcher(), state, user_text(tracker), intent, shaping)


class ActionAnswerQuestion(NewsbotAction):
    action_name = "action_answer_question"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.answer(get_searcher(), state, user_text(tracker), None, None)


class ActionWhoSaid(NewsbotAction):
    action_name = "action_who_said"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.who_said(get_searcher(), state)


class ActionShowSource(NewsbotAction):
    action_name = "action_show_source"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.show_source(get_searcher(), state)


class ActionTellMore(NewsbotAction):
    action_name = "action_tell_more"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.tell_more(get_searcher(), state)


class ActionOtherSide(NewsbotAction):
    action_name = "action_other_side"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.other_side(get_searcher(), state)


class ActionAboutEntity(NewsbotAction):
    action_name = "action_about_entity"

    def reply(self, tracker: Tracker, state: State) -> Reply:
        return conversation.about_entity(get_searcher(), state, latest_entity(tracker), user_text(tracker))
