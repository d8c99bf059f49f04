"""Retrieval shaped for each topic intent of the bot: the topic's own words and preferred voices.

The words expand the lexical query (the user's own words still lead); the speakers are parts of
speaker labels whose passages the topic favours ("labour" matches "Labour sources").
"""

from __future__ import annotations

from dataclasses import replace

from newsbot.attribution.rules import NARRATOR
from newsbot.retrieval.search import Shaping

LABOUR_SIDE = ("labour", "corbyn", "formby", "milne")
COMMUNITY_SIDE = ("board", "jlc", "goldstein", "representative", "joint statement")
# The sides of the dispute the article reports, by parts of their speakers' labels.
SIDES: dict[str, tuple[str, ...]] = {"Labour": LABOUR_SIDE, "the Board and the JLC": COMMUNITY_SIDE}


def side_of(speaker: str) -> str | None:
    """The side a speaker speaks for, when the label says (anonymous sources say nothing)."""
    label = speaker.lower()
    matches = [side for side, parts in SIDES.items() if any(part in label for part in parts)]
    return matches[0] if len(matches) == 1 else None


TOPICS: dict[str, Shaping] = {
    "ask_commitments": Shaping(
        expansion="committed commitment commit promised offered agreed pledged charged personal lead",
        # Labour's own words, and the facts the article reports in its own voice.
        prefer_speakers=(*LABOUR_SIDE, NARRATOR),
    ),
    "ask_demands": Shaping(
        expansion="asked letter proposals concrete actions six areas demands minimum level requests",
        prefer_speakers=COMMUNITY_SIDE,
    ),
    "ask_meeting_outcome": Shaping(
        expansion="meeting described positive constructive disappointing not good missed opportunity minds",
    ),
    "ask_attendees": Shaping(
        expansion="attendance met leaders chief executive chair president director office face-to-face",
    ),
    "ask_ihra": Shaping(
        expansion="IHRA International Holocaust Remembrance Alliance definition antisemitism adopt full examples",
    ),
    "ask_disciplinary": Shaping(
        expansion="disciplinary cases Ken Livingstone Jackie Walker expedite expulsion suspended timetable process",
    ),
    "ask_next_steps": Shaping(
        expansion="further meeting July future account steps discussed assessed end next",
    ),
    "ask_background": Shaping(
        expansion="demonstration Parliament Square jeered Monday meeting Seamus Milne tense letter",
    ),
}


def shaping_for(intent: str | None) -> Shaping | None:
    """The shaping of a topic intent; its words vouch for the topic (see Shaping.vouches)."""
    topic = TOPICS.get(intent or "")
    return replace(topic, vouches=True) if topic else None
