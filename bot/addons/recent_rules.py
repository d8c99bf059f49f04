"""Rule predictions from the conversation's last turns, not its whole history.

Rasa 3.6's RulePolicy works out the state of the conversation before every action of its history
(replaying the events once per action) each time it predicts, twice a message, and then matches its
rules against those states from the latest back, over the whole history. A rule never looks further
back than its own length: past that, every rule still in the running is taken as applicable
(`RulePolicy._is_rule_applicable`). So the states older than the longest rule change no
prediction, but they made a prediction grow with the conversation: 0.4 ms at the first message,
1.9 ms at the twentieth (206 events), about a sixth of Rasa's CPU a turn under bench/scale.py.

Here the states come from the conversation's last turns only, replayed from a user message far
enough back to give as many exact states as the longest rule has: each state is the user message
and the action before it (`Domain.get_active_state`), and both are known from the cut on. That
holds only while nothing else enters a state or reaches further back; otherwise Rasa's own
computation runs, for a prediction that is
- for a domain with slots that influence the conversation or with forms (slot values and loops
  come from the whole history), or a conversation in a loop;
- for a conversation whose last turns restart it or undo events (`Restarted`, `SessionStarted`,
  `UserUtteranceReverted`, `ActionReverted`, `ActiveLoop`), which reach before the cut;
- for a conversation shorter than that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

if TYPE_CHECKING:
    from rasa.shared.core.domain import Domain, State

REACHING_BACK = (Restarted, SessionStarted, UserUtteranceReverted, ActionReverted, ActiveLoop)

rasas_prediction_states = Policy._prediction_states

# Each loaded policy's longest rule: its rules are fixed once trained, and reading every rule's key
# back into states on each prediction was about 1% of Rasa's CPU under bench/scale.py.
_longest_rules: WeakKeyDictionary[RulePolicy, int] = WeakKeyDictionary()


def longest_rule(policy: RulePolicy) -> int:
    """How many states the policy's longest rule spans (rules and loops' unhappy paths)."""
    if (known := _longest_rules.get(policy)) is not None:
        return known
    keys = [key for lookup in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup.get(lookup, {})]
    length = _longest_rules[policy] = max((len(policy._rule_key_to_state(key)) for key in keys), default=0)
    return length


def recent_events(events: list[Event], exact_states: int) -> list[Event] | None:
    """The events from the latest user message that leaves at least `exact_states` actions after
    it; None when the conversation is shorter, or when one of those events reaches further back."""
    actions = 0
    for position in range(len(events) - 1, -1, -1):
        event = events[position]
        if isinstance(event, REACHING_BACK):
            return None
        if isinstance(event, ActionExecuted):
            actions += 1
        elif isinstance(event, UserUttered) and actions >= exact_states:
            return events[position:]
    return None


def depends_on_history_only_through_turns(domain: Domain, tracker: DialogueStateTracker) -> bool:
    return not (
        any(slot.influence_conversation for slot in domain.slots) or domain.form_names or tracker.active_loop_name
    )


def recent_prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Policy._prediction_states for RulePolicy: the last states its rules can look at."""
    length = longest_rule(self)
    recent = (
        recent_events(list(tracker.events), length)
        if length and depends_on_history_only_through_turns(domain, tracker)
        else None
    )
    if recent is None:
        return rasas_prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    shortened = DialogueStateTracker.from_events(tracker.sender_id, recent, domain.slots)
    states = rasas_prediction_states(self, shortened, domain, use_text_for_last_user_input, rule_only_data)
    return states[-length:]


def install() -> None:
    RulePolicy._prediction_states = recent_prediction_states  # type: ignore[method-assign]
