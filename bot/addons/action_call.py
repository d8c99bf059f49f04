"""Action calls that carry the current turn's events, not the whole conversation.

Rasa 3.6 sends the action server the conversation's every event with each call
(`tracker.current_state(EventVerbosity.ALL)`), so a call grows with the conversation: 109 events
and 58 KB of JSON by a reader's tenth question, encoded by Rasa and decoded by the web app on
every turn. Under bench/scale.py, encoding it was about 7% of Rasa's CPU.

The actions (actions/) read the latest message, its intent and entities, and the slots, where
they keep what the conversation remembers; they never read earlier events. So a call here
carries the tracker's state (slots, latest message, active loop, latest action: everything else
Rasa sends) with the events from the latest user message on. An action that needs the
conversation's history would need this module removed from `addons/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Reversible
from typing import TYPE_CHECKING, Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import EventVerbosity

if TYPE_CHECKING:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker


def current_turn(events: Reversible[Event]) -> list[Event]:
    """The events from the latest user message on (all of them before the first one)."""
    turn: list[Event] = []
    for event in reversed(events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    return turn[::-1]


def turn_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """RemoteAction._action_call_format with the current turn's events only."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in current_turn(tracker.events)]
    call: dict[str, Any] = {
        "next_action": self.name(),
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        call["domain"] = domain.as_dict()
    return call


def install() -> None:
    RemoteAction._action_call_format = turn_call_format  # type: ignore[method-assign]
