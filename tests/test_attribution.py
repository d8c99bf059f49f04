"""Tests for newsbot.attribution: the seed article, small invented texts, and the word lists' loading."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.attribution import (
    CONTINUATION,
    NARRATION,
    NARRATOR,
    QUOTE,
    REPORTED,
    Attribution,
    attribute_paragraphs,
    unnamed_words,
)
from newsbot.attribution import lexicon as lexicon_module
from newsbot.attribution.lexicon import Lexicon, LexiconError, lexicon
from newsbot.domain import NARRATION as NARRATION_SPEAKER
from newsbot.domain import Speaker, SpeakerKind

ARTICLE = Path(__file__).parents[1] / "knowledge" / "corbyn-jewish-leaders-talks.md"

JOINT = "the Board of Deputies and JLC (joint statement)"
EXPECTED_SPEAKERS: list[str] = [
    "the Board of Deputies and JLC",  # 1
    "Labour sources",  # 2
    NARRATOR,  # 3
    "sources",  # 4
    NARRATOR,  # 5
    "a source",  # 6
    "Jonathan Goldstein",  # 7
    "a source",  # 8
    *[JOINT] * 10,  # 9-18
    NARRATOR,  # 19
    "a source",  # 20
    "a source",  # 21
    NARRATOR,  # 22
    NARRATOR,  # 23
    "Labour sources",  # 24
    NARRATOR,  # 25
    "JLC and Board representatives",  # 26
    "a JLC and Board representative",  # 27
    NARRATOR,  # 28
    "a JLC and Board representative",  # 29
    "Jeremy Corbyn",  # 30
    "Jeremy Corbyn",  # 31
    "Jeremy Corbyn",  # 32
    "Jeremy Corbyn",  # 33
]


def _article_paragraphs() -> list[str]:
    """Minimal parse: drop the YAML front matter, split on blank lines."""
    text = ARTICLE.read_text(encoding="utf-8")
    match = re.match(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*\r?\n", text, re.DOTALL)
    body = text[match.end() :] if match else text
    return [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]


@pytest.fixture(scope="module")
def article_attributions() -> list[Attribution]:
    if not ARTICLE.exists():
        pytest.skip(f"{ARTICLE} is missing")
    paragraphs = _article_paragraphs()
    assert len(paragraphs) == len(EXPECTED_SPEAKERS)
    return attribute_paragraphs(paragraphs)


@pytest.mark.parametrize(
    ("number", "expected"),
    list(enumerate(EXPECTED_SPEAKERS, start=1)),
    ids=[f"para{n:02d}" for n in range(1, len(EXPECTED_SPEAKERS) + 1)],
)
def test_seed_article_speaker(article_attributions: list[Attribution], number: int, expected: str) -> None:
    assert article_attributions[number - 1].speaker.label == expected


def test_seed_article_speakers_carry_their_kind(article_attributions: list[Attribution]) -> None:
    kinds = {a.speaker.label: a.speaker.kind for a in article_attributions}
    assert kinds["Jeremy Corbyn"] is SpeakerKind.PERSON
    assert kinds["Jonathan Goldstein"] is SpeakerKind.PERSON
    assert kinds["Labour sources"] is SpeakerKind.ANONYMOUS
    assert kinds["a JLC and Board representative"] is SpeakerKind.ANONYMOUS
    assert kinds["the Board of Deputies and JLC"] is SpeakerKind.ORGANISATION
    assert kinds["the Board of Deputies and JLC (joint statement)"] is SpeakerKind.JOINT_STATEMENT
    assert kinds[NARRATOR] is SpeakerKind.NARRATION


def test_kinds_of_invented_speakers() -> None:
    paragraphs = [
        "The council said the road would reopen.",
        'A council spokesman said: "We are sorry."',
        "Harbour Council and the Quayside Residents' Association issued a joint statement.",
        '"We have agreed to talk," said Mary Price.',
    ]
    kinds = [a.speaker.kind for a in attribute_paragraphs(paragraphs)]
    assert kinds == [
        SpeakerKind.ORGANISATION,
        SpeakerKind.ANONYMOUS,
        SpeakerKind.JOINT_STATEMENT,
        SpeakerKind.PERSON,
    ]


def test_seed_article_kinds_and_cues(article_attributions: list[Attribution]) -> None:
    by_number = dict(enumerate(article_attributions, start=1))
    assert by_number[3] == Attribution(NARRATION_SPEAKER, NARRATION, "")
    assert by_number[7].how == QUOTE and by_number[7].cue == "He said:"
    assert by_number[8].cue == "According to one source"
    assert by_number[10].cue == "They said:"
    assert [by_number[n].how for n in range(11, 15)] == [CONTINUATION] * 4
    assert by_number[15].cue == "The statement continued:"
    assert by_number[21].cue == "added the representative"
    assert by_number[30] == Attribution(
        Speaker("Jeremy Corbyn", SpeakerKind.PERSON), REPORTED, "Mr Corbyn himself said"
    )
    assert by_number[31] == Attribution(Speaker("Jeremy Corbyn", SpeakerKind.PERSON), QUOTE, "he said", 89)
    assert by_number[32].how == CONTINUATION


# --------------------------------------------------------------------------
# General rules on invented texts
# --------------------------------------------------------------------------


def speakers(paragraphs: list[str]) -> list[str]:
    return [a.speaker.label for a in attribute_paragraphs(paragraphs)]


def test_empty_article() -> None:
    assert attribute_paragraphs([]) == []


def test_narration_paragraph() -> None:
    result = attribute_paragraphs(["The bridge over the Tamar reopened on Monday after two years of repairs."])
    assert result == [Attribution(NARRATION_SPEAKER, NARRATION, "")]


def test_text_without_quotes_is_all_narration() -> None:
    paragraphs = [
        "Voters in Northfield went to the polls on Thursday.",
        "Turnout was higher than in 2019, with long queues at several stations.",
        "Maria Lopez and Tom Reed were the leading candidates.",
        "Results are expected early on Friday morning.",
    ]
    assert speakers(paragraphs) == [NARRATOR] * len(paragraphs)
    assert {a.how for a in attribute_paragraphs(paragraphs)} == {NARRATION}


def test_she_said_resolves_to_last_named_woman() -> None:
    paragraphs = [
        "Maria Lopez, the city's mayor, opened the bridge on Monday. Mr Brown watched.",
        '"It is a great day for the city," she said.',
    ]
    result = attribute_paragraphs(paragraphs)
    assert result[1] == Attribution(Speaker("Maria Lopez", SpeakerKind.PERSON), QUOTE, "she said", 34)


def test_he_and_she_resolve_by_gender() -> None:
    paragraphs = [
        "Mr Jones met Sarah Kent on Monday.",
        '"It went well," she said.',
        '"Very well indeed," he said.',
    ]
    assert speakers(paragraphs) == [NARRATOR, "Sarah Kent", "Mr Jones"]


def test_inverted_said_with_title_and_full_name() -> None:
    paragraphs = [
        '"We are delighted with the results," said Dr Jane Smith.',
        'Dr Smith added: "The trial worked."',
    ]
    result = attribute_paragraphs(paragraphs)
    assert result[0] == Attribution(Speaker("Jane Smith", SpeakerKind.PERSON), QUOTE, "said Dr Jane Smith", 37)
    assert result[1].speaker.label == "Jane Smith"


def test_title_and_surname_typo_resolve_to_full_name() -> None:
    paragraphs = [
        "Talks with Gregory Haddon stalled on Tuesday.",
        'Mr Hadon said that the offer was "final".',
        '"There is nothing more to discuss," he said.',
    ]
    assert speakers(paragraphs) == [NARRATOR, "Gregory Haddon", "Gregory Haddon"]


def test_according_to_officials() -> None:
    result = attribute_paragraphs(["According to officials, the bridge will reopen in May."])
    assert result == [Attribution(Speaker("officials", SpeakerKind.ANONYMOUS), REPORTED, "According to officials")]


def test_three_paragraph_quote_with_only_last_closing() -> None:
    paragraphs = [
        'Anna Berg said: "We will rebuild the bridge.',
        '"It will take two years and cost a great deal.',
        '"Nobody will be left behind."',
        "The bridge was closed in 2019.",
    ]
    result = attribute_paragraphs(paragraphs)
    assert [a.speaker.label for a in result] == ["Anna Berg", "Anna Berg", "Anna Berg", NARRATOR]
    assert [a.how for a in result] == [QUOTE, CONTINUATION, CONTINUATION, NARRATION]


def test_quoted_paragraph_that_dropped_its_opening_mark_continues() -> None:
    paragraphs = [
        "Anna Berg said: \u201cWe will rebuild the bridge.",
        "Funding has been secured from the regional budget.",
        "\u201cNobody will be left behind.\u201d",
    ]
    assert [a.how for a in attribute_paragraphs(paragraphs)] == [QUOTE, CONTINUATION, CONTINUATION]
    assert speakers(paragraphs) == ["Anna Berg"] * 3


def test_unattributed_quote_after_quoted_speaker_continues() -> None:
    paragraphs = [
        '"We will appeal," said Tom Reed.',
        '"The ruling is wrong in law."',
    ]
    result = attribute_paragraphs(paragraphs)
    assert result[1] == Attribution(Speaker("Tom Reed", SpeakerKind.PERSON), CONTINUATION, '"')


def test_scare_quote_after_narration_is_narration() -> None:
    paragraphs = [
        "The council met on Tuesday evening.",
        'The council leader attacked a series of "excuses" by the mayor.',
    ]
    assert speakers(paragraphs) == [NARRATOR, NARRATOR]


def test_definite_spokesperson_resolves_to_earlier_indefinite() -> None:
    paragraphs = [
        "A spokeswoman for Acme Corp said the plant would close.",
        "Workers gathered outside the gates.",
        "The spokesperson said talks with the union would continue.",
    ]
    assert speakers(paragraphs) == ["a spokeswoman for Acme Corp", NARRATOR, "a spokeswoman for Acme Corp"]


def test_definite_reference_falls_back_to_previous_anonymous_speaker() -> None:
    paragraphs = [
        "A source said the vote had been close.",
        '"Nobody expected it," added the official.',
    ]
    assert speakers(paragraphs) == ["a source", "a source"]


def test_anonymous_sources_with_modifiers_and_typos() -> None:
    paragraphs = [
        "Senior Tory souces said the vote was lost.",
        "Sources told the BBC that the whip had been withdrawn.",
        'An official said: "No comment."',
        "Two insiders said the leader would resign.",
    ]
    assert speakers(paragraphs) == ["senior Tory sources", "sources", "an official", "two insiders"]


def test_joint_statement_expands_short_names_and_they_said() -> None:
    paragraphs = [
        "The Federation of Small Businesses met union leaders on Friday.",
        'The Federation and NUT issued a joint statement which called the plan "reckless".',
        'They said: "Teachers and employers deserve better.',
        '"We will consult our members."',
        'The statement continued: "This is not the end."',
    ]
    joint = "the Federation of Small Businesses and NUT (joint statement)"
    assert speakers(paragraphs) == [NARRATOR, joint, joint, joint, joint]


def test_passive_agent_and_participle_subject() -> None:
    paragraphs = [
        'The plan was described as "a disgrace" and "reckless" by the Green Party on Monday.',
        'The council rejected this, saying it had acted "lawfully".',
        "It was said that the plan would fail.",
    ]
    assert speakers(paragraphs) == ["the Green Party", "the council", NARRATOR]


def test_an_unnamed_speaker_after_a_quote_needs_no_word_list() -> None:
    """'"...," said one worker, who ...': a worker speaks, though "worker" is in no word list (it
    was the narration, and the next paragraph's quote went on as "a resident"'s)."""
    paragraphs = [
        '"My phone lit up before my manager said a word," said one worker, who did not want to be named.',
        '"It is a disgrace," said one resident.',
        '"Nobody told me anything," said a nurse.',
        '"Go home," said a man who was standing by the door.',
        "The price, said a report, was high.",
    ]
    assert speakers(paragraphs) == ["a worker", "a resident", "a nurse", "a man", NARRATOR]


def test_a_name_after_its_role_speaks() -> None:
    """'"...," said prosecutor Amira Shah': Amira Shah (it was the narration, and the next
    paragraph's quote with it); the role's words may be unknown ("defence barrister") or an
    organisation's ("police spokesman"); "a spokesman for Acme Corp" stays the spokesman; a judge
    and a councillor are titles ("District Judge Linda Grey", "Councillor Ben Okoro")."""
    paragraphs = [
        '"This was a landlord who chose to do nothing," said prosecutor Amira Shah.',
        '"The tenants complained again and again."',
        '"It was wrong," said defence barrister John Hale.',
        '"We acted," said police spokesman Tom Reed.',
        '"Fine," said a spokesman for Acme Corp.',
        'District Judge Linda Grey said the conditions were "appalling".',
        'Councillor Ben Okoro said: "Let this be a warning."',
    ]
    assert speakers(paragraphs) == [
        "Amira Shah", "Amira Shah", "John Hale", "Tom Reed", "a spokesman for Acme Corp", "Linda Grey", "Ben Okoro"
    ]  # fmt: skip


def test_a_role_noun_that_starts_a_sentence_is_no_name() -> None:
    """ "Residents said ...": unnamed residents (it was a person named "Residents", offered to readers
    as "What did Residents say?"); a capitalised role noun inside a sentence stays part of a name."""
    paragraphs = [
        "Residents said the flood defences had never been built.",
        "Witnesses told police they heard a bang.",
        "The Residents Association said it would appeal.",
    ]
    attributions = attribute_paragraphs(paragraphs)
    assert [a.speaker.label for a in attributions] == ["residents", "witnesses", "the Residents Association"]
    assert [a.speaker.kind for a in attributions][:2] == [SpeakerKind.ANONYMOUS, SpeakerKind.ANONYMOUS]


def test_the_organisation_again_by_its_head_noun() -> None:
    """ "the agency said" after the Environment Agency spoke is the Environment Agency (it was a
    second voice, "the agency", offered to readers beside it), and "a spokeswoman for the agency"
    speaks for it (she was lost: "the agency" spoke); an organisation never named in full stays as
    written."""
    paragraphs = [
        "Homes were evacuated, the Environment Agency said.",
        "The agency said river levels could rise again.",
        "The council said it would help.",
        'A spokeswoman for the agency said: "We understand."',
        '"We acted," said a spokesman for the ministry.',
    ]
    assert speakers(paragraphs) == [
        "the Environment Agency", "the Environment Agency", "the council",
        "a spokeswoman for the Environment Agency", "a spokesman for the ministry",
    ]  # fmt: skip


def test_adding_to_or_up_is_no_speech() -> None:
    """ "adding up to" and "adding to" count, they report no one; "adding that" still reports."""
    paragraphs = [
        "Buses will be diverted through the Riverside tunnel, adding up to 25 minutes to some journeys.",
        "Prices rose again in May, adding to the pressure on households.",
        "The council rejected this, adding that it had acted lawfully.",
    ]
    assert speakers(paragraphs) == [NARRATOR, NARRATOR, "the council"]


def test_first_attribution_governs_the_paragraph() -> None:
    paragraphs = [
        "Omar Farah chairs the committee.",
        "According to one aide, Mr Farah told ministers that the budget was too small. Mr Farah said he would resign.",
    ]
    assert speakers(paragraphs) == [NARRATOR, "an aide"]


def test_reflexive_subject_and_pronoun_from_previous_paragraph() -> None:
    paragraphs = [
        "Lucy Hart opened the new ward.",
        'Ms Hart herself said the ward was "long overdue".',
        '"Patients deserve this," she said.',
    ]
    assert speakers(paragraphs) == [NARRATOR, "Lucy Hart", "Lucy Hart"]


def test_verbs_in_non_speech_senses_are_narration() -> None:
    paragraphs = [
        "The index continued to rise on Monday.",
        "Higher prices added to the pressure on households.",
        "She called a meeting for Friday.",
        "Labour's claims were rejected.",
    ]
    assert speakers(paragraphs) == [NARRATOR] * 4


# --------------------------------------------------------------------------
# Word lists (data/)
# --------------------------------------------------------------------------

DATA = Path(lexicon_module.__file__).parent / lexicon_module.DATA


def test_lexicon_reads_every_data_file(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = lexicon_module._read

    def recording_read(name: str) -> str:
        read.append(name)
        return original(name)

    monkeypatch.setattr(lexicon_module, "_read", recording_read)
    fresh = lexicon.__wrapped__()  # the loader itself, past its cache
    assert isinstance(fresh, Lexicon)
    assert sorted(read) == sorted(path.name for path in DATA.iterdir() if path.is_file())
    assert len(read) == len(set(read))  # each file read once


def test_lexicon_is_read_once() -> None:
    assert lexicon() is lexicon()


def test_lexicon_lists() -> None:
    lex = lexicon()
    assert lex.source_nouns["spokeswomen"] == "spokesperson"
    assert lex.role_nouns["chairmen"] == "chairman"
    assert {"sources", "spokespeople", "officers"} <= lex.plural_nouns
    assert "source" not in lex.plural_nouns and "officer" not in lex.plural_nouns
    assert lex.titles["Mrs"] == "f" and lex.titles["Dr"] == ""
    assert lex.definite == {"the", "this", "that", "these", "those"}
    assert lex.indefinite_singular == {"a", "an", "one"}
    assert lex.definite | lex.indefinite_singular < lex.determiners
    assert lex.be < lex.skippable
    assert "," in lex.openers
    assert lex.verb_re.fullmatch("pointed out") and not lex.verb_re.search("sayings")
    assert lex.statement_re.search("Labour put out a joint statement")
    assert [m.group() for m in lex.token_re.finditer("Mr. Smith said.")] == ["Mr.", "Smith", "said", "."]
    assert {"source", "officers", "the", "one"} <= unnamed_words()


def test_importing_attribution_reads_no_file() -> None:
    # A fresh interpreter: note every file of data/ opened, import the package, check nothing was
    # read and the loader's cache is empty; then the first call reads them all.
    data = str(DATA)
    count = sum(1 for path in DATA.iterdir() if path.is_file())
    code = f"""
import sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and str(args[0]).startswith({data!r}) and opened.append(args[0]))
import newsbot.attribution, newsbot.attribution.rules
from newsbot.attribution.lexicon import lexicon
info = lexicon.cache_info()
assert not opened and info.currsize == 0 and info.misses == 0, (opened, info)
lexicon()
assert len(opened) == {count}, opened
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_malformed_lists_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    files = {
        "listed_twice.txt": "# comment\nsaid\nsaid\n",
        "empty.txt": "# only a comment\n",
        "boolean.yml": "Mr: m\nno: f\n",
        "gender.yml": "Mr: male\n",
    }
    monkeypatch.setattr(lexicon_module, "_read", files.__getitem__)
    with pytest.raises(LexiconError, match="listed twice"):
        lexicon_module._words("listed_twice.txt")
    with pytest.raises(LexiconError, match="no entries"):
        lexicon_module._words("empty.txt")
    with pytest.raises(LexiconError, match="quote them"):
        lexicon_module._string_mapping("boolean.yml")
    with pytest.raises(LexiconError, match="none of"):
        lexicon_module._string_mapping("gender.yml", lexicon_module.GENDERS)


def test_groups_of_people_that_start_a_sentence_speak_unnamed() -> None:
    """ "Traders say ...", "Critics say ...": unnamed traders and critics (they were people named
    "Traders" and "Critics"); a bare singular stays a surname ("Driver said", after Minnie Driver)."""
    paragraphs = [
        "Traders say the loss of parking has cost them customers.",
        "Critics said the scheme was rushed.",
        "Local businesses said they were worried.",
        "The actress Minnie Driver lost her case on Monday.",
        "Driver said she would appeal.",
    ]
    attributions = attribute_paragraphs(paragraphs)
    assert [a.speaker.label for a in attributions] == [
        "traders", "critics", "local businesses", NARRATOR, "Minnie Driver"
    ]  # fmt: skip
    assert [a.speaker.kind for a in attributions][:3] == [SpeakerKind.ANONYMOUS] * 3


def test_an_organisation_named_after_its_kind_and_the_spokesperson_it_introduced() -> None:
    """ "the charity Shelter", "a spokesperson for the cycling group Westport on Wheels" (it was a
    person named "Shelter", and one named "Wheels"); a report of a body is the report ("a council
    report", not "a council"); "the spokesperson" a paragraph introduced without a speech verb is
    that spokesperson."""
    paragraphs = [
        "The housing charity Shelter said the figures were shocking.",
        "A spokesperson for Westport on Wheels said the lane was safer.",
        '"It is great," said a spokeswoman for the charity Shelter.',
        "According to a council report published last week, there were no collisions.",
        "A spokesperson for the cycling group Westport on Wheels welcomed the vote. "
        '"Children now cycle to school," the spokesperson said.',
        "The mayor of Newcastle upon Tyne said the city would help.",
    ]
    attributions = attribute_paragraphs(paragraphs)
    assert [a.speaker.label for a in attributions] == [
        "the housing charity Shelter",
        "a spokesperson for Westport on Wheels",
        "a spokeswoman for the charity Shelter",
        "a council report",
        "a spokesperson for the cycling group Westport on Wheels",
        "the mayor of Newcastle upon Tyne",
    ]
    assert attributions[0].speaker.kind is SpeakerKind.ORGANISATION
    assert attributions[3].speaker.kind is SpeakerKind.ORGANISATION
    assert [a.speaker.kind for a in attributions][1:3] == [SpeakerKind.ANONYMOUS] * 2


def test_people_known_by_their_family_place_or_whom_they_speak_for() -> None:
    """Found on a court report and invented texts: families, friends and people of a place speak
    (each was the narration, or "the victims" for "Families of the victims"); a possessive stays in
    the label ("his family")."""
    paragraphs = [
        'In a statement read outside court, the Reyes family said: "Daniel was kind."',
        "His family said he was a loving father.",
        "Families of the victims said they wanted answers.",
        "Residents of the estate said they were angry.",
        "Staff at the hospital said they were exhausted.",
        "A man in the crowd said it was terrible.",
        "Lawyers for the family said they would appeal.",
    ]
    assert speakers(paragraphs) == [
        "the Reyes family",
        "his family",
        "families of the victims",
        "residents of the estate",
        "staff at the hospital",
        "a man in the crowd",
        "lawyers for the family",
    ]


def test_a_strike_report_its_vox_pop_the_company_and_its_spokesman() -> None:
    """Found on a rail-strike report: a passenger quoted after two appositions ("Priya Shah, 34, a
    nurse ..., said") was the narration; "Coastline Rail said" was a person; "He added" after "A
    spokesman for the company said" was Coastline Rail; ", the operator warned" was the narration."""
    paragraphs = [
        "The walkouts will halt almost all services, the operator warned.",
        'Coastline Rail said it had offered 4.5 per cent, which it called "fair".',
        'A spokesman for the company said: "We are disappointed."',
        "He added that the company would run a reduced timetable.",
        "Commuters reacted with frustration. Priya Shah, 34, a nurse who travels from Eastbay every day, "
        'said: "I have no other way of getting to work."',
        'Peter Vance, 58, of Elm Road, said: "I am sorry."',
        'A spokeswoman for the council said the road would reopen. "It is safe," she said.',
    ]
    attributions = attribute_paragraphs(paragraphs)
    assert [(a.speaker.label, a.speaker.kind) for a in attributions] == [
        ("the operator", SpeakerKind.ORGANISATION),
        ("Coastline Rail", SpeakerKind.ORGANISATION),
        ("a spokesman for the company", SpeakerKind.ANONYMOUS),
        ("a spokesman for the company", SpeakerKind.ANONYMOUS),
        ("Priya Shah", SpeakerKind.PERSON),
        ("Peter Vance", SpeakerKind.PERSON),
        ("a spokeswoman for the council", SpeakerKind.ANONYMOUS),
    ]


def test_a_family_member_speaks_as_whose_they_are_and_is_she_after() -> None:
    """Found on a hit-and-run report: "The man's wife said in a statement ..." was the narration,
    and the "she said" after it was the detective, the only person named so far."""
    paragraphs = [
        'Detective Inspector Mark Holloway said: "I would urge them to come forward."',
        'The man\'s wife said in a statement that her husband was "a careful, experienced rider".',
        '"Our children just want their dad home," she said.',
        "The victim's father said: \"He was my only son.\" His son's friend, a neighbour, said nothing.",
    ]
    attributions = attribute_paragraphs(paragraphs)
    assert [(a.speaker.label, a.speaker.kind) for a in attributions] == [
        ("Mark Holloway", SpeakerKind.PERSON),
        ("the man's wife", SpeakerKind.ANONYMOUS),
        ("the man's wife", SpeakerKind.ANONYMOUS),
        ("the victim's father", SpeakerKind.ANONYMOUS),
    ]


@pytest.mark.parametrize(
    ("paragraph", "label"),
    [
        ("Customers contacted by the Echo said they were angry.", "customers"),
        ("Parents spoken to by the Courier said the bus was too slow.", "parents"),
        ("Residents interviewed by the BBC said they were frightened.", "residents"),
        # A document is no one: the body that published it speaks, as before.
        ("A report published by the council said the road was unsafe.", "the council"),
    ],
)
def test_people_asked_by_a_newspaper_are_the_speakers_not_the_newspaper(paragraph: str, label: str) -> None:
    """Found on a data-breach report: "Customers contacted by the Echo said" was the Echo."""
    assert attribute_paragraphs([paragraph])[0].speaker.label == label


def test_it_said_before_anyone_spoke_is_the_organisation_the_paragraph_is_about() -> None:
    """Found on a bus-cuts report: "The company blamed rising costs. It said ..." was "an unnamed
    speaker" (no organisation had spoken yet); with none named, it still is."""
    paragraphs = [
        "Northport Buses will stop running evening services on six routes.",
        "The company blamed rising fuel and wage costs. It said the evening buses carried four passengers each.",
    ]
    assert attribute_paragraphs(paragraphs)[1].speaker.label == "the company"
    assert attribute_paragraphs(["It said the road would reopen."])[0].speaker.label == "an unnamed speaker"


def test_a_person_reported_after_the_paragraphs_first_voice_is_a_later_voice() -> None:
    """ "Campaigners say ... Ruth Adler, who founded the Lune Swimmers group, said members had fallen
    ill": her indirect speech is hers, as a quotation would be (the later voices were quotes only)."""
    paragraph = (
        "Campaigners say the river is unsafe. Ruth Adler, who founded the Lune Swimmers group, said members "
        'had fallen ill. "Nobody told us," she said.'
    )
    (attribution,) = attribute_paragraphs([paragraph])
    assert attribution.speaker.label == "campaigners"
    assert [(paragraph[start:].split(",")[0], voice.label) for start, voice in attribution.voices] == [
        ("Ruth Adler", "Ruth Adler")
    ]


def test_the_firm_is_the_company_that_spoke_last() -> None:
    """Found on a river-pollution report: "The firm said" after "A spokeswoman for Northshire Water
    said" was "the firm"; a rail strike's "the company said", after Coastline Rail spoke, was "the
    company". A council is no firm."""
    water = [
        'A spokeswoman for Northshire Water said the overflows were "permitted".',
        "The firm said it monitored every overflow.",
    ]
    assert attribute_paragraphs(water)[1].speaker.label == "Northshire Water"
    rail = ["Coastline Rail said it had offered 4.5 per cent.", "The company said talks would go on."]
    assert attribute_paragraphs(rail)[1].speaker.label == "Coastline Rail"
    council = ["A spokesperson for Northshire County Council said no.", "The firm said yes."]
    assert attribute_paragraphs(council)[1].speaker.label == "the firm"


def test_a_sentences_capital_is_no_part_of_an_unnamed_voice() -> None:
    """Found on a bus-cuts report: "Shift workers say ..." was labelled "Shift workers"; a name the
    article capitalises elsewhere keeps its capital."""
    assert attribute_paragraphs(["Shift workers say they will be hit hardest."])[0].speaker.label == "shift workers"
    labour = ["The talks were tense, Labour said.", "Labour sources said the meeting had been positive."]
    assert attribute_paragraphs(labour)[1].speaker.label == "Labour sources"


def test_he_after_a_spokeswoman_is_not_her() -> None:
    """An unnamed person is "he" or "she" by the noun that introduced them, never the other."""
    paragraphs = [
        "Mr Jones, the chairman, opened the meeting.",
        'A spokeswoman for the council said: "We will listen."',
        "He added that the council would decide in May.",
    ]
    assert attribute_paragraphs(paragraphs)[2].speaker.label == "Mr Jones"


def test_a_body_named_with_for_is_one_body() -> None:
    """ "the Institute for Fiscal Studies said" was a person named "Fiscal Studies"; "for" joins a
    name only after a word of a body's name ("Institute", "Department", "Office")."""
    paragraphs = [
        "Thresholds stay frozen, which the Institute for Fiscal Studies said would pull 800,000 people in.",
        "The Department for Education said schools would reopen.",
        "The Office for National Statistics said prices rose.",
        "Mr Smith, standing for Labour, said no.",
    ]
    assert [(a.speaker.label, a.speaker.kind) for a in attribute_paragraphs(paragraphs)] == [
        ("the Institute for Fiscal Studies", SpeakerKind.ORGANISATION),
        ("the Department for Education", SpeakerKind.ORGANISATION),
        ("the Office for National Statistics", SpeakerKind.ORGANISATION),
        ("Mr Smith", SpeakerKind.PERSON),
    ]


# Found on the reader articles of 2026-12-06 (a wire report, a budget explainer, a school
# inspection, an interview, a police appeal): each paragraph with whom it is now attributed to,
# and how. Each was the narration, or someone else, before.
NEWS_REPORTING = {
    "written and reported words": [
        # "wrote" and "reported" report speech before a colon or "that", also after where it was written.
        ("The mayor, Ihor Terekhov, wrote on Telegram that power had been restored.", "Ihor Terekhov", REPORTED),
        ("State media reported that the talks had failed.", "the state media", REPORTED),
        ("According to state media, three people were killed.", "the state media", REPORTED),
        ("The foreign ministry said in a statement that it was unacceptable.", "the foreign ministry", REPORTED),
        ("He added to the confusion.", NARRATOR, NARRATION),
        ("He reported the crime to police.", NARRATOR, NARRATION),
    ],
    "calls and urgings": [
        # A hyphenated title is no part of the name.
        ("UN Secretary-General Antonio Guterres called for restraint.", "Antonio Guterres", REPORTED),
        ("Transport minister Alan Pryce called on both sides to return to talks.", "Alan Pryce", REPORTED),
        ("The minister urged calm.", "the minister", REPORTED),
        ("She called her mother.", NARRATOR, NARRATION),
    ],
    "sources close to someone": [
        ("Sources close to the minister insisted she had not been briefed.", "sources close to the minister", REPORTED),
        ("A source close to Mr Johnson said he would not resign.", "a source close to Mr Johnson", REPORTED),
        ("The minister said he was close to a deal.", "the minister", REPORTED),
    ],
    "a body's spokesperson": [
        # It was "education spokesperson".
        ("A Department for Education spokesperson said a trust would be chosen.",
         "a Department for Education spokesperson", REPORTED),
        ("A Board of Deputies spokesman said no.", "a Board of Deputies spokesman", REPORTED),
        ("Most of Labour sources said no.", "Labour sources", REPORTED),
        ("Senior Party sources said no.", "senior party sources", REPORTED),
    ],
    "an interview": [
        # The answers are the latest named person's; the questions the narration's.
        ("Mark Lee resigned as chief executive of Apex. We met him at his home in Surrey.", NARRATOR, NARRATION),
        ("Q: Why did you resign?", NARRATOR, NARRATION),
        ("A: I had no choice. The board had lost confidence in me, and they said so.", "Mark Lee", QUOTE),
        ("A. Smith said the vote was close.", "Smith", REPORTED),
    ],
    "a who clause": [
        # "Parents who spoke to the Courier said" was the Courier's.
        ("A man who lives nearby said he heard a bang.", "a man", REPORTED),
        ("Parents who spoke to the Courier said they had not been told.", "parents", REPORTED),
        ("He asked who was responsible and the minister said nobody.", "the minister", REPORTED),
    ],
    "a police appeal": [
        # "Ms Khan" was not found to be her; "said 72-year-old Margaret Jones" was the speaker before.
        ("Detective Inspector Sarah Khan, who is leading the investigation, appealed for witnesses.",
         "Sarah Khan", REPORTED),
        ('Ms Khan said: "We want to hear from anyone who was in the area."', "Sarah Khan", QUOTE),
        ('"It was terrifying," said 72-year-old Margaret Jones.', "Margaret Jones", QUOTE),
        ("He appealed against the sentence.", NARRATOR, NARRATION),
    ],
}  # fmt: skip


@pytest.mark.parametrize("case", NEWS_REPORTING)
def test_how_news_reports_speech(case: str) -> None:
    rows = NEWS_REPORTING[case]
    attributions = attribute_paragraphs([paragraph for paragraph, _, _ in rows])
    assert [(a.speaker.label, a.how) for a in attributions] == [(label, how) for _, label, how in rows]
