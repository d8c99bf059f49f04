"""Rasa's event classes found by name (bot/addons/event_types.py), run in the Rasa environment:
every name resolves as Rasa's own lookup resolves it, read twice (the walk, then the table), and
a conversation's events read back equal."""

from __future__ import annotations

import pytest
from rasa_support import run_in_rasa

from newsbot.serving.supervisor import RASA

pytestmark = pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")

CHECK = r"""
import addons
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from addons import event_types

assert Event.resolve_by_type is event_types.resolve_by_type
rasa = event_types._rasa_resolve_by_type
names = sorted({cls.type_name for cls in all_subclasses(Event)})
assert len(names) >= 20, names
for _ in range(2):  # the first time by walking the classes, then from the table
    for name in names:
        assert Event.resolve_by_type(name) is rasa(name), name
        assert Event.resolve_by_type(name, SlotSet) is rasa(name, SlotSet), name
assert set(event_types._classes) == set(names)

# Names no class has: as Rasa, the default, or the same error.
assert Event.resolve_by_type("topic") is None and rasa("topic") is None
assert Event.resolve_by_type("no_such_event", BotUttered) is BotUttered
for lookup in (Event.resolve_by_type, rasa):
    try:
        lookup("no_such_event")
    except ValueError as error:
        assert str(error) == "Unknown event name 'no_such_event'.", error
    else:
        raise AssertionError("no error for an unknown name")
assert "no_such_event" not in event_types._classes and "topic" not in event_types._classes

# A subclass imported after the table was filled is found, and kept.
class LateEvent(SlotSet):
    type_name = "late_event_for_the_test"
assert Event.resolve_by_type("late_event_for_the_test") is LateEvent is rasa("late_event_for_the_test")

events = [UserUttered("hi", {"name": "greet", "confidence": 0.9}), ActionExecuted("action_listen"),
          SlotSet("last_answer", {"passages": [24]}), BotUttered("hello", {"custom": {"kind": "answer"}})]
assert [Event.from_parameters(event.as_dict()) for event in events] == events
print("ok", len(names))
"""


def test_every_event_name_resolves_as_rasa_resolves_it() -> None:
    completed = run_in_rasa(CHECK)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.startswith("ok"), completed.stdout
