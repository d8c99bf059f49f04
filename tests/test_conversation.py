"""The dialogue's follow-ups on a second article with its own sides (a council and its residents,
tests/data/council), with the real model and a real index: nothing of the seed article applies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import COUNCIL_ARTICLE, KNOWLEDGE, MODEL, write_article

from newsbot.channels.text import render_text
from newsbot.dialogue import conversation
from newsbot.dialogue.conversation import State
from newsbot.domain import Reply, ReplyKind, Source
from newsbot.ingest.passages import sentence_spans
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher, group_reported, roles_given

COUNCIL = {"the council", "Mary Price", "a council spokesman"}
RESIDENTS = {"Tom Ellis", "the association"}


def article_searcher(tmp_path: Path, stem: str, title: str, paragraphs: list[str]) -> Searcher:
    """A searcher over one article written in the test, with the real model."""
    knowledge = tmp_path / "knowledge"
    write_article(knowledge, stem, title, paragraphs)
    build_index(knowledge, tmp_path / "index", MODEL, progress=False)
    return Searcher(load_index(tmp_path / "index", MODEL, knowledge), MODEL)


def speakers(reply: Reply) -> set[str]:
    return {source.speaker.label for source in reply.passages}


def test_the_other_side_of_the_residents_is_the_council(council_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(council_searcher, state, "What did the residents say?", None, None)
    assert first.kind is ReplyKind.ANSWER
    # The residents' words, or the narration's account of them ("Residents ... have accused ...").
    assert RESIDENTS & speakers(first) or any(
        "residents" in source.text[source.highlight.start : source.highlight.end].lower()
        for source in first.passages
        if source.highlight is not None
    )
    other = conversation.other_side(council_searcher, state)
    assert other.kind is ReplyKind.MORE
    assert other.lead == "What the council said:"
    assert speakers(other) and speakers(other) <= COUNCIL


def test_the_other_side_of_the_council_is_the_residents(council_searcher: Searcher) -> None:
    state = State()
    conversation.answer(council_searcher, state, "what did the council say about the charges?", None, None)
    other = conversation.other_side(council_searcher, state)
    assert other.lead == "What the residents said:"
    assert speakers(other) and speakers(other) <= RESIDENTS


def test_a_side_asked_by_its_name_speaks_in_all_its_voices(council_searcher: Searcher) -> None:
    """ "What did the council say?": the council's leader too, not only the passages whose speaker
    is called "the council" (the side the facts name, as "the other side" shows it)."""
    reply = conversation.answer(council_searcher, State(), "what did the council say", None, None)
    assert speakers(reply) == {"the council", "Mary Price"}
    assert [source.paragraph for source in reply.passages] == [2, 3, 4]
    more = conversation.answer(council_searcher, State(), "what did the residents say?", None, None)
    assert speakers(more) == RESIDENTS


def test_the_other_side_asked_again_is_the_side_before(council_searcher: Searcher) -> None:
    state = State()
    conversation.answer(council_searcher, state, "What did the residents say about the charges?", None, None)
    council = conversation.other_side(council_searcher, state)
    residents = conversation.other_side(council_searcher, state)
    assert council.lead == "What the council said:"
    assert residents.lead == "What the residents said:"
    assert speakers(residents) and speakers(residents) <= RESIDENTS
    shown = {source.key for source in council.passages}
    assert not {source.key for source in residents.passages} & shown
    # A new question starts again from the side it names.
    conversation.answer(council_searcher, state, "what did the council say about the charges?", None, None)
    assert conversation.other_side(council_searcher, state).lead == "What the residents said:"


def test_a_response_asked_of_a_side_by_name_is_that_sides(council_searcher: Searcher) -> None:
    """ "how did the council respond to that" is the council's response, even after the council's
    words: it showed the residents, the side other than the one the reader named."""
    state = State()
    first = conversation.answer(council_searcher, state, "what did the council say about the charges?", None, None)
    council = conversation.other_side(council_searcher, state, "and how did the council respond to that")
    assert council.lead == "What the council said:" and speakers(council) <= COUNCIL
    assert not {source.key for source in council.passages} & {source.key for source in first.passages}
    # Without a side named, the other side, as before.
    state = State()
    conversation.answer(council_searcher, state, "what did the council say about the charges?", None, None)
    assert conversation.other_side(council_searcher, state, "and the response?").lead == "What the residents said:"


def test_a_side_asked_for_before_any_answer_speaks(seed_searcher: Searcher) -> None:
    """ "whats labours side" opening a conversation (the other side's intent) said there was no
    answer to refer to yet."""
    state = State()
    reply = conversation.other_side(seed_searcher, state, "whats labours side")
    assert reply.kind is ReplyKind.ANSWER and reply.lead == "What Labour sources and Jeremy Corbyn said:"
    assert conversation.other_side(seed_searcher, State(), "what did the other side say").lead.startswith(
        "There's no answer"
    )


def test_both_sides_asked_for_shows_each_sides_words(seed_searcher: Searcher) -> None:
    """ "what did both sides say" showed only the side other than the last answer's (or, first,
    that there was no answer to refer to)."""
    labour = {"Labour sources", "Jeremy Corbyn"}
    state = State()
    conversation.answer(seed_searcher, state, "What did Labour commit to?", None, None)
    both = conversation.other_side(seed_searcher, state, "what do both sides say about it")
    said = speakers(both)
    assert said & labour and said - labour  # Labour's voices and the Board's
    assert both.lead == "What each side said:"
    assert {side.name for side in both.sides} == {"the Board and the JLC", "Labour"}
    for side in both.sides:  # each passage is labelled with its own side
        assert set(side.speakers) <= said and bool(set(side.speakers) & labour) == (side.name == "Labour")
    first = conversation.other_side(seed_searcher, State(), "what did both sides say")
    assert first.kind is ReplyKind.ANSWER and speakers(first) & labour and speakers(first) - labour


def test_a_question_asking_each_sides_view_on_something_shows_each_sides_words(seed_searcher: Searcher) -> None:
    """ "how did both sides describe the talks" (the NLU's topic intent, not the other-side
    follow-up) quoted the passages that answer best, whoever speaks; "what do each side think about
    the ihra" quoted the Board alone, and now says so: Labour says nothing on it in the article."""
    labour = {"Labour sources", "Jeremy Corbyn"}
    state = State()
    reply = conversation.answer(
        seed_searcher, state, "how did both sides describe the talks", "ask_meeting_outcome", None
    )
    said = speakers(reply)
    assert reply.kind is ReplyKind.ANSWER and reply.lead == "What each side said:"
    assert said & labour and said - labour
    assert {side.name for side in reply.sides} == {"the Board and the JLC", "Labour"}
    assert state.last_sources == list(reply.passages)  # its follow-ups refer to what it showed
    ihra = conversation.answer(seed_searcher, State(), "what do each side think about the ihra", "ask_ihra", None)
    assert ihra.lead == "What the Board and the JLC said (the article has nothing from Labour on this):"
    assert ihra.passages and not speakers(ihra) & labour and not ihra.sides
    # Without "each side", the same question is answered as before, whoever speaks.
    plain = conversation.answer(seed_searcher, State(), "what do they think about the ihra", "ask_ihra", None)
    assert plain.lead != ihra.lead and plain.lead != "What each side said:"


def test_without_a_side_named_the_other_side_is_the_one_not_leading_the_answer(council_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(council_searcher, state, "how much will parking cost?", None, None)
    assert first.passages
    other = conversation.other_side(council_searcher, state)
    assert other.kind is ReplyKind.MORE
    assert other.lead in ("What the residents said:", "What the council said:")
    assert not {source.key for source in other.passages} & {source.key for source in first.passages}


def test_a_question_naming_a_side_leads_with_that_sides_voice(council_searcher: Searcher) -> None:
    result = council_searcher.search("what did the residents association say", k=3)
    assert result.hits[0].passage.speaker.label in RESIDENTS


def test_sides_stay_with_their_article_when_articles_are_indexed_together(seed_and_council_searcher: Searcher) -> None:
    searcher = seed_and_council_searcher
    state = State()
    conversation.answer(searcher, state, "What did Tom Ellis say about the parking charges?", None, None)
    other = conversation.other_side(searcher, state)
    assert other.lead == "What the council said:"
    assert {source.article for source in other.passages} == {COUNCIL_ARTICLE}
    assert speakers(other) <= COUNCIL


def test_a_voice_of_one_article_is_not_answered_from_another(seed_and_council_searcher: Searcher) -> None:
    """ "did corbyn say anything about the parking charges", of the seed and the council article
    together: declined (it was answered with the council's charges), naming whom the articles say
    nothing of there; each article's own questions are still answered."""
    searcher = seed_and_council_searcher
    for question in ("did corbyn say anything about the parking charges", "did mary price meet goldstein"):
        reply = conversation.ask(searcher, question)
        assert reply.kind is ReplyKind.DECLINE, question
        assert reply.lead.startswith("The articles don't say that about "), reply.lead
    assert "Corbyn" in conversation.ask(searcher, "did corbyn say anything about the parking charges").lead
    for question, article in (
        ("what did corbyn say about the meeting", "corbyn-jewish-leaders-talks"),
        ("what did mary price say about the charges", COUNCIL_ARTICLE),
    ):
        reply = conversation.ask(searcher, question)
        assert reply.kind is ReplyKind.ANSWER and reply.passages[0].article == article, question


def test_a_voice_asked_about_what_only_another_article_speaks_of(seed_and_council_searcher: Searcher) -> None:
    """ "what did corbyn say about the parking charges": the talks speak of charges (disciplinary
    ones), not of parking, and the council article of both; it was answered from the talks."""
    searcher = seed_and_council_searcher
    assert searcher.voices_elsewhere(
        "what did corbyn say about the parking charges", "corbyn-jewish-leaders-talks"
    ) == ("Jeremy Corbyn",)
    reply = conversation.ask(searcher, "what did corbyn say about the parking charges")
    assert reply.kind is ReplyKind.DECLINE and "Corbyn" in reply.lead, reply.lead
    # About what his own article speaks of, or what no article does, it is not this check's to decline.
    for question in ("what did corbyn say about the ihra definition", "what did corbyn say about the weather"):
        assert searcher.voices_elsewhere(question, "corbyn-jewish-leaders-talks") == (), question


def test_the_other_voices_of_an_article_without_sides_are_its_own(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    write_article(
        knowledge,
        "bridge",
        "Harbour bridge reopens",
        [
            "The harbour bridge reopened on Monday after two years of repairs.",
            "Engineer Anna Berg said the new deck would last for fifty years.",
        ],
    )
    build_index(knowledge, tmp_path / "index", MODEL, progress=False)
    searcher = Searcher(load_index(tmp_path / "index", MODEL, knowledge), MODEL)
    state = State()
    answer = conversation.answer(searcher, state, "when did the harbour bridge reopen", None, None)
    assert [(source.article, source.paragraph) for source in answer.passages][:1] == [("bridge", 1)]
    other = conversation.other_side(searcher, state)
    assert other.passages, other.lead
    assert {source.article for source in other.passages} == {"bridge"}  # never the other article's voices
    assert all("Anna Berg" in speaker for speaker in speakers(other))


def test_the_other_side_is_shown_in_its_own_words(seed_searcher: Searcher) -> None:
    # Paragraph 7 opens in the narration ("Jonathan Goldstein attacked a series of ...") before
    # his words: the other side's account shows them, and they are his.
    state = State()
    conversation.answer(seed_searcher, state, "What did Labour sources say about the meeting?", None, None)
    other = conversation.other_side(seed_searcher, state)
    [goldstein] = [source for source in other.passages if source.paragraph == 7]
    assert goldstein.highlight is not None
    assert "Every excuse" in goldstein.text[goldstein.highlight.start : goldstein.highlight.end]
    assert goldstein.speaker.label == "Jonathan Goldstein"


@pytest.mark.parametrize(
    ("question", "side"),
    [("What did Labour sources say?", "Labour"), ("What did Jonathan Goldstein say?", "the Board and the JLC")],
)
def test_the_seed_articles_sides_come_from_its_facts(seed_searcher: Searcher, question: str, side: str) -> None:
    state = State()
    conversation.answer(seed_searcher, state, question, None, None)
    other = conversation.other_side(seed_searcher, state)
    assert other.kind is ReplyKind.MORE
    facts = seed_searcher.index.facts["corbyn-jewish-leaders-talks"]
    sides = {facts.side_of(source.speaker) for source in other.passages}
    assert sides and side not in sides and None not in sides


# --- follow-ups on the seed article --------------------------------------------------------


def test_a_message_without_words_is_asked_for_words_and_the_last_answer_stays(seed_searcher: Searcher) -> None:
    state = State()
    answered = conversation.answer(seed_searcher, state, "when is the next meeting", None, None)
    assert answered.kind is ReplyKind.ANSWER
    for message in ("🙂", "?", "..."):
        reply = conversation.answer(seed_searcher, state, message, None, None)
        assert reply.kind is ReplyKind.NOTICE and not reply.passages
        assert "no words" in reply.lead and reply.suggestions
    assert conversation.who_said(seed_searcher, state).passages == answered.passages


def test_a_message_that_only_acknowledges_invites_the_next_question(seed_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(seed_searcher, state, "ok", None, None)
    assert first.kind is ReplyKind.NOTICE and first.lead == conversation.ANYTHING and first.suggestions
    answered = conversation.answer(seed_searcher, state, "when are they meeting again", None, None)
    assert answered.kind is ReplyKind.ANSWER
    acknowledgements = ("ok", "Ok!", "cool", "hmm", "i see", "got it 👍", "interesting", "fair enough", "really?")
    for message in acknowledgements:
        reply = conversation.answer(seed_searcher, state, message, None, None)
        assert reply.kind is ReplyKind.NOTICE and not reply.passages, message
        assert reply.lead == conversation.ANYTHING_ELSE and reply.suggestions
    assert conversation.who_said(seed_searcher, state).passages == answered.passages
    farewell = conversation.answer(seed_searcher, state, "ok thanks bye", None, None)
    assert farewell.kind is ReplyKind.NOTICE and farewell.lead == conversation.FAREWELL
    # A question of few words is still one: it leans on the last question.
    assert conversation.answer(seed_searcher, state, "why?", None, None).kind is not ReplyKind.NOTICE
    assert conversation.answer(seed_searcher, state, "is it good?", None, None).kind is not ReplyKind.NOTICE


def test_a_puzzled_reader_gets_the_last_answer_again_and_its_follow_ups_still_refer_to_it(
    seed_searcher: Searcher,
) -> None:
    state = State()
    before = conversation.answer(seed_searcher, state, "huh?", None, None)
    assert before.kind is ReplyKind.NOTICE and not before.passages and before.suggestions
    answered = conversation.answer(seed_searcher, state, "what did labour commit to", None, None)
    assert answered.kind is ReplyKind.ANSWER
    for message in ("huh?", "What?", "what does that mean", "What do you mean??", "i don't get it", "Come again?"):
        reply = conversation.answer(seed_searcher, state, message, None, None)
        assert reply.lead == conversation.QUOTED_AGAIN, message
        assert reply.passages == answered.passages
    # The last question is still the reader's: "and the board?" asks it about the Board.
    assert state.last_question == "what did labour commit to"
    assert conversation.who_said(seed_searcher, state).passages == answered.passages
    # A question that only starts like one is searched.
    searched = conversation.answer(seed_searcher, state, "what does IHRA mean", None, None)
    assert searched.lead != conversation.QUOTED_AGAIN


@pytest.mark.parametrize(
    "message", ["start over", "/restart", "Can we start again?", "ok, start over please", "Let's start over", "RESET"]
)
def test_a_reader_starting_afresh_leaves_nothing_for_follow_ups(seed_searcher: Searcher, message: str) -> None:
    state = State()
    answered = conversation.answer(seed_searcher, state, "what did labour commit to", None, None)
    assert answered.kind is ReplyKind.ANSWER
    reply = conversation.remark(seed_searcher, state, message)
    assert reply is not None and reply.kind is ReplyKind.NOTICE
    assert reply.lead == conversation.STARTED_AFRESH and reply.suggestions and not reply.passages
    assert state == State()
    # Nothing to refer back to: "who said that?" and "and the board?" have no last answer.
    assert conversation.who_said(seed_searcher, state).lead == conversation.NO_ANSWER_YET


def test_a_number_asks_the_suggestion_it_numbers(seed_searcher: Searcher) -> None:
    state = State()
    declined = conversation.answer(seed_searcher, state, "what is the capital of france", None, None)
    assert declined.kind is ReplyKind.DECLINE and len(declined.suggestions) == 3
    state.offer(declined.suggestions)
    state.offer(())  # a reply without suggestions leaves them
    for typed in ("2", " #2 ", "2."):
        reply = conversation.remark(seed_searcher, state, typed)
        assert reply is not None and reply.kind is ReplyKind.ANSWER, typed
        assert reply.lead.startswith(f"You picked “{declined.suggestions[1]}” Here is what the article says")
        assert state.last_question == declined.suggestions[1]
    # No fourth suggestion: a number alone is not searched.
    assert conversation.remark(seed_searcher, state, "4") is None
    refused = conversation.answer(seed_searcher, state, "4", None, None)
    assert refused.kind is ReplyKind.NOTICE and "only numbers" in refused.lead and refused.suggestions


@pytest.mark.parametrize("message", ["when will the talks restart", "start", "reset the meeting?", "clear"])
def test_a_question_using_a_restart_word_is_no_request_to_start_afresh(message: str) -> None:
    assert not conversation.restarts(message)


def test_the_gist_is_the_opening_paragraph_and_more_goes_on_through_the_article(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "who was at the meeting", None, None)
    gist = conversation.answer(seed_searcher, state, "whats this article about?", None, None)
    assert gist.kind is ReplyKind.ANSWER and gist.lead == conversation.GIST
    [opening] = gist.passages
    assert opening.paragraph == 1 and opening.highlight is not None
    first = sentence_spans(opening.text)[0]
    assert (opening.highlight.start, opening.highlight.end) == first  # the lede's first sentence
    assert gist.suggestions  # and where to go from there
    assert conversation.who_said(seed_searcher, state).passages == gist.passages
    shown = [1]
    for _ in range(3):
        more = conversation.tell_more(seed_searcher, state)
        assert more.kind is ReplyKind.MORE and more.lead == conversation.MORE_OF_THE_ARTICLE
        shown += [source.paragraph for source in more.passages]
    assert shown == list(range(1, 8))  # in the article's order, none twice


def test_a_request_for_a_joke_says_the_bot_only_answers_from_the_article(seed_searcher: Searcher) -> None:
    reply = conversation.ask(seed_searcher, "tell me a joke")
    assert reply.kind is ReplyKind.DECLINE and len(reply.suggestions) == 3
    only = "I only answer questions about the article, in its own words, so I can't tell you a joke."
    assert reply.lead.startswith(only)


def test_who_wrote_the_article_is_answered_from_its_front_matter(tmp_path: Path, seed_searcher: Searcher) -> None:
    declined = conversation.ask(seed_searcher, "who wrote this article?")
    assert declined.kind is ReplyKind.DECLINE and len(declined.suggestions) == 3
    assert declined.lead.startswith("The article doesn't give its author. ")
    assert "was published in The JC." in declined.lead  # what the front matter does give
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "budget.md").write_text(
        '---\ntitle: "The council sets its budget"\nsource: "The Gazette"\nauthor: "Ann Lee"\n'
        'date: "12 March 2026"\n---\n\nThe council set its budget on Tuesday.\n\nParking charges rise.\n',
        encoding="utf-8",
    )
    build_index(knowledge, tmp_path / "index", MODEL, progress=False)
    searcher = Searcher(load_index(tmp_path / "index", MODEL, knowledge), MODEL)
    expected = "“The council sets its budget” is by Ann Lee, published in The Gazette on 12 March 2026."
    for question in ("who wrote this article", "Who's the author?", "when was this written", "who wrote it",
                     "where was it published", "what paper is this from"):  # fmt: skip
        reply = conversation.ask(searcher, question)
        assert reply.kind is ReplyKind.NOTICE and reply.lead == expected, question
    # A question about someone the article reports is no question about the article.
    assert not searcher.about_the_article("who set the budget")
    assert "Ann Lee" not in conversation.ask(searcher, "who set the budget").lead


@pytest.mark.parametrize(
    "question",
    ["what articles do you have", "Which stories can I ask about?", "list the articles", "ok what articles do u have"],
)
def test_a_reader_asking_which_articles_there_are_gets_their_titles(seed_searcher: Searcher, question: str) -> None:
    reply = conversation.ask(seed_searcher, question)
    assert reply.kind is ReplyKind.NOTICE
    assert reply.lead.startswith("I answer questions about one article: “Crunch talks between Jeremy Corbyn")
    assert reply.suggestions


@pytest.mark.parametrize("question", ["what did the articles say about the ihra", "what stories did goldstein tell"])
def test_a_question_about_what_the_articles_say_is_searched(seed_searcher: Searcher, question: str) -> None:
    assert not seed_searcher.asks_for_the_articles(question)


def test_the_gist_of_several_articles_is_each_ones_opening(seed_and_council_searcher: Searcher) -> None:
    searcher = seed_and_council_searcher
    gist = conversation.ask(searcher, "tldr")
    assert gist.lead == conversation.GISTS
    assert {(source.article, source.paragraph) for source in gist.passages} == {
        (COUNCIL_ARTICLE, 1),
        ("corbyn-jewish-leaders-talks", 1),
    }
    # An article named by its title's words: its gist alone.
    for request in ("whats the parking article about", "summarise the quayside story", "tldr of the corbyn article"):
        named = conversation.ask(searcher, request)
        assert named.lead == conversation.GIST, request
        [opening] = named.passages
        assert opening.paragraph == 1
        assert opening.article == (COUNCIL_ARTICLE if "corbyn" not in request else "corbyn-jewish-leaders-talks")
    assert "in the articles' own words" in conversation.introduce(searcher).lead  # it said "the article's"
    able = conversation.introduce(searcher, capabilities=True)
    assert "I answer in the articles' own words" in able.lead
    assert able.lead.startswith(
        "I can answer questions about 2 articles (“Crunch talks between Jeremy Corbyn and Jewish community leaders”"
        " and “Residents and council clash over Quayside parking charges”): "
    )
    listed = conversation.ask(searcher, "what articles do you have")
    assert listed.lead.startswith("I answer questions about 2 articles: “Crunch talks")
    assert "“Residents and council clash over Quayside parking charges”" in listed.lead
    # with questions about it first
    assert "parking" in conversation.ask(searcher, "whats the parking article about").suggestions[0].lower()
    # Words of no title but of an article's text: that article.
    assert searcher.summary_articles("whats the labour story about") == ("corbyn-jewish-leaders-talks",)
    # Words of no article: declined, naming the articles there are.
    assert searcher.summary_articles("what's the bitcoin article about") is None
    assert searcher.unknown_article("what's the bitcoin article about") == "bitcoin"
    declined = conversation.ask(searcher, "what's the bitcoin article about")
    assert declined.kind is ReplyKind.DECLINE and declined.suggestions
    assert declined.lead.startswith("I have no article about bitcoin: I answer questions about “Crunch talks")
    assert searcher.unknown_article("whats the parking article about") is None
    assert searcher.unknown_article("what did labour commit to") is None
    assert searcher.summary_articles("summarise what the residents said") is None
    assert searcher.summary_articles("summarise what the residents said in the parking article") is None
    assert searcher.summary_articles("what is this article about") == ()


def test_who_said_after_a_decline_says_the_last_question_had_no_answer(seed_searcher: Searcher) -> None:
    state = State()
    declined = conversation.answer(seed_searcher, state, "what did the police say about the meeting", None, None)
    assert declined.kind is ReplyKind.DECLINE
    reply = conversation.who_said(seed_searcher, state)
    assert reply.kind is ReplyKind.NOTICE
    assert "didn't answer your last question" in reply.lead and "the police" in reply.lead
    assert conversation.show_source(seed_searcher, state).lead == reply.lead


def test_more_and_the_other_side_after_a_decline_say_the_last_question_had_no_answer(
    seed_searcher: Searcher,
) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "What did Labour commit to?", None, None)
    declined = conversation.answer(seed_searcher, state, "how do i make chicken soup", None, None)
    assert declined.kind is ReplyKind.DECLINE
    for follow_up, consequence in [
        (conversation.tell_more, "there is nothing more to tell"),
        (conversation.other_side, "there is no other side to show"),
    ]:
        reply = follow_up(seed_searcher, state)
        assert reply.kind is ReplyKind.NOTICE and not reply.passages  # nothing about the answer before
        assert reply.lead.startswith("The article didn't answer your last question, “how do i make chicken soup”")
        assert reply.lead.endswith(f"{consequence}.") and len(reply.suggestions) == conversation.SUGGESTIONS


def test_who_said_before_any_question_offers_questions(seed_searcher: Searcher) -> None:
    reply = conversation.who_said(seed_searcher, State())
    assert reply.lead == conversation.NO_ANSWER_YET and len(reply.suggestions) == conversation.SUGGESTIONS


def test_and_someone_asks_the_last_question_about_them(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "What did Labour commit to?", None, None)
    reply = conversation.about_entity(seed_searcher, state, "formby", "and formby?")
    assert state.last_question == "What did Formby commit to?"  # as the article spells the name
    assert reply.kind is ReplyKind.ANSWER
    assert any("Formby" in source.text for source in reply.passages)


def test_a_pronoun_refers_to_whom_the_last_question_named(seed_searcher: Searcher) -> None:
    """ "what did he want from corbyn" after "who is goldstein" is about Goldstein: searched alone,
    "want" drew the Board's "all those within Labour who want to help" (paragraph 18)."""
    state = State()
    conversation.answer(seed_searcher, state, "who is goldstein", None, None)
    wanted = conversation.answer(seed_searcher, state, "what did he want from corbyn", None, None)
    assert wanted.kind is ReplyKind.ANSWER and wanted.passages[0].paragraph == 8  # "Mr Goldstein told ..."
    assert state.last_question == "what did Goldstein want from corbyn"  # remembered with the name
    state = State()
    conversation.answer(seed_searcher, state, "what did formby commit to", None, None)
    job = conversation.answer(seed_searcher, state, "what was her job", None, None)
    assert job.passages[0].paragraph == 33  # "our new general secretary Jennie Formby"


def test_a_pronoun_asking_for_someones_words_is_asked_with_their_name(seed_searcher: Searcher) -> None:
    """ "what did he say" after "who is jonathan goldstein" was searched, drew only the passage just
    shown and was declined ("nothing more than what I showed you"); it asks for Goldstein's words."""
    state = State()
    conversation.answer(seed_searcher, state, "who is jonathan goldstein", None, None)
    said = conversation.answer(seed_searcher, state, "what did he say", None, None)
    assert said.kind is ReplyKind.ANSWER and said.passages[0].paragraph == 7  # He said: "Every excuse ..."
    highlight = said.passages[0].highlight
    assert highlight is not None and "Every excuse" in said.passages[0].text[highlight.start : highlight.end]
    assert state.last_question == "what did Jonathan Goldstein say"
    state = State()
    conversation.answer(seed_searcher, state, "who is gillian merron", None, None)
    unquoted = conversation.answer(seed_searcher, state, "what did she say", None, None)
    assert unquoted.kind is ReplyKind.DECLINE and "never quotes" in unquoted.lead
    assert "Gillian Merron" in unquoted.lead


def test_they_asked_for_words_are_the_voice_of_the_last_question_or_answer(tmp_path: Path) -> None:
    """ "what did they say" after "who owns the factory" (the answer: "its owner Calder Foods
    confirmed") and after "how did workers find out" was declined as asking nothing new."""
    searcher = article_searcher(
        tmp_path,
        "factory",
        "Biscuit factory to close",
        [
            "Hartley's biscuit factory in Northport will close next year with the loss of 400 jobs, its owner "
            "Calder Foods confirmed on Monday.",
            'The company blamed rising energy costs. "Sadly, it is no longer viable," a Calder Foods spokeswoman said.',
            "Some workers only heard the news from social media.",
            '"My phone lit up before my manager said a word," said one worker, who did not want to be named.',
            "The factory has made biscuits in Northport since 1923.",
        ],
    )
    state = State()
    conversation.answer(searcher, state, "who owns the factory", None, None)
    owner = conversation.answer(searcher, state, "what did they say", None, None)
    assert owner.kind is ReplyKind.ANSWER and 2 in [source.paragraph for source in owner.passages], owner.lead
    assert state.last_question == "what did Calder Foods say"
    state = State()
    conversation.answer(searcher, state, "how did workers find out", None, None)
    workers = conversation.answer(searcher, state, "what did they say", None, None)
    assert workers.kind is ReplyKind.ANSWER and [source.paragraph for source in workers.passages] == [4]


def test_who_they_are_after_an_unnamed_voice_is_declined_as_unnamed(seed_searcher: Searcher) -> None:
    """ "who were they" after "what did labour sources say" quoted Goldstein's parents (paragraph 8)."""
    state = State()
    conversation.answer(seed_searcher, state, "what did labour sources say", None, None)
    who = conversation.answer(seed_searcher, state, "who were they", None, None)
    assert who.kind is ReplyKind.DECLINE and who.lead.startswith("The article doesn't name Labour sources")


def test_he_is_never_the_body_the_last_question_names(seed_searcher: Searcher) -> None:
    """ "what did he say" after "who is the board president" quoted the Board: "he" is a person."""
    state = State()
    conversation.answer(seed_searcher, state, "who is the board president", None, None)
    said = conversation.answer(seed_searcher, state, "what did he say", None, None)
    assert not any("Board" in speaker for speaker in speakers(said)), speakers(said)


def test_a_pronoun_refers_to_the_one_person_the_last_answer_named(seed_searcher: Searcher) -> None:
    """ "what did she promise" after "who is the general secretary": the answer named Jennie Formby
    ("our new general secretary Jennie Formby"); the question was declined."""
    state = State()
    conversation.answer(seed_searcher, state, "who is the general secretary", None, None)
    promised = conversation.answer(seed_searcher, state, "what did she promise", None, None)
    assert promised.kind is ReplyKind.ANSWER
    assert state.last_question == "what did Jennie Formby promise"
    assert seed_searcher.names_in("our new general secretary Jennie Formby with improving") == ["Jennie Formby"]


def test_a_follow_up_naming_someone_after_a_leaning_question_asks_that_question_of_them(
    seed_searcher: Searcher,
) -> None:
    """ "and the board?" after "what did he promise" (about Corbyn) was retargeted inside the
    remembered subject: "what did he promise (so the Board met jewish leaders?)", and through the bot
    declined with "The article doesn't mention he promise (who"."""
    state = State()
    conversation.answer(seed_searcher, state, "so corbyn met jewish leaders?", None, None)
    conversation.answer(seed_searcher, state, "what did he promise", None, None)
    assert state.last_question == "what did Corbyn promise"  # not "Corbyn Jewish": a nationality is no name
    conversation.about_entity(seed_searcher, state, None, "and the board?")
    assert state.last_question == "what did the Board promise"
    state = State()
    conversation.answer(seed_searcher, state, "what did labour commit to", None, None)
    conversation.answer(seed_searcher, state, "when", None, None)
    assert state.last_question == "when (what did labour commit to)"  # no pronoun: the subject in brackets
    conversation.about_entity(seed_searcher, state, None, "and the board?")
    assert state.last_question == "when (what did the Board commit to)"


def test_who_said_that_after_a_declined_leaning_question_quotes_the_readers_own_words(
    seed_searcher: Searcher,
) -> None:
    """It quoted the question with the subject it leaned on: "“when will it be sorted (what
    happened with livingstone)”"."""
    state = State()
    conversation.answer(seed_searcher, state, "what happened with livingstone", None, None)
    sorted_out = conversation.answer(seed_searcher, state, "when will it be sorted", None, None)
    assert sorted_out.kind is ReplyKind.DECLINE
    assert state.last_question == "when will it be sorted (what happened with livingstone)"
    lead = conversation.who_said(seed_searcher, state).lead
    assert lead.startswith("The article didn't answer your last question, “when will it be sorted”, so")


@pytest.mark.parametrize(
    ("remembered", "parts"),
    [
        ("when was that (what did labour commit to)", ("when was that", "what did labour commit to")),
        ("why (who is the leader (Tom Hadley))", ("why", "who is the leader (Tom Hadley)")),
        ("what did corbyn say", ("what did corbyn say", "")),
        ("(just brackets)", ("(just brackets)", "")),
        ("odd ) brackets)", ("odd ) brackets)", "")),
    ],
)
def test_a_remembered_question_splits_from_the_subject_it_leaned_on(remembered: str, parts: tuple[str, str]) -> None:
    assert conversation.leaned_parts(remembered) == parts


def test_a_reader_correcting_the_last_question_gets_what_they_meant(seed_searcher: Searcher) -> None:
    """ "sorry i meant the board" after "what did corbyn say" was searched as it stood and declined."""
    state = State()
    conversation.answer(seed_searcher, state, "what did corbyn say", None, None)
    board = conversation.answer(seed_searcher, state, "sorry i meant the board", None, None)
    assert board.kind is ReplyKind.ANSWER and board.lead.startswith("What the Board")
    assert state.last_question == "what did the Board say"
    attendees = conversation.answer(seed_searcher, state, "no, i mean who was there", None, None)
    assert 22 in [source.paragraph for source in attendees.passages]  # the attendees
    conversation.answer(seed_searcher, state, "i mean it", None, None)
    assert state.last_question.startswith("i mean it")  # "it" names no one: searched as typed, no correction


def test_a_pronoun_leans_on_the_conversation_only_where_it_names_someone(seed_searcher: Searcher) -> None:
    antecedent = seed_searcher.pronoun_antecedent
    assert antecedent("what did he want from corbyn", "who is goldstein") == "Goldstein"
    assert antecedent("what did they want corbyn to do about it", "what happened to goldsteins parents") == "Goldstein"
    assert antecedent("what was her job", "what did formby commit to") == "Formby"
    assert antecedent("what did corbyn say about his party", "who is goldstein") == ""  # his: Corbyn's
    assert antecedent("what were the main points of their letter", "hi whats this article about") == ""  # no one named
    assert antecedent("what did he want from corbyn", "") == ""  # no conversation yet
    assert antecedent("what did corbyn want", "who is goldstein") == ""  # no pronoun


def test_someone_named_before_any_question_is_searched_as_typed(seed_searcher: Searcher) -> None:
    """ "what about the livingstone thing" opening a conversation: the passages about him, not a
    decline of "What did Ken Livingstone say?" (the article never quotes him)."""
    state = State()
    reply = conversation.about_entity(seed_searcher, state, "livingstone", "what about the livingstone thing")
    assert reply.kind is ReplyKind.ANSWER
    assert any("Livingstone" in source.text for source in reply.passages)
    assert state.last_question == "what about the livingstone thing"


def test_and_someone_the_last_answer_alone_answers_again_without_naming_them_is_declined(
    seed_searcher: Searcher,
) -> None:
    state = State()
    deadline = conversation.answer(seed_searcher, state, "when will the livingstone case be dealt with", None, None)
    assert [source.paragraph for source in deadline.passages] == [25]
    # Walker is in paragraph 25: quoting it again answers.
    walker = conversation.about_entity(seed_searcher, state, "walker", "and walker?")
    assert walker.kind is ReplyKind.ANSWER and [source.paragraph for source in walker.passages] == [25]
    # Milne is not: it would only say again what was shown.
    conversation.answer(seed_searcher, state, "when will the livingstone case be dealt with", None, None)
    milne = conversation.about_entity(seed_searcher, state, "milne", "and milne?")
    assert milne.kind is ReplyKind.DECLINE and not milne.passages
    assert milne.lead.startswith("The article doesn't say that about Milne: I found only what I showed you before.")
    assert len(milne.suggestions) == conversation.SUGGESTIONS
    assert conversation.who_said(seed_searcher, state).lead.startswith("The article didn't answer your last question")


def test_and_someone_declined_never_suggests_the_question_just_answered(seed_searcher: Searcher) -> None:
    # Suggested near the retargeted question, the question just answered came first.
    declined = 0
    for asked in seed_searcher.suggestion_pool():
        for named in ("milne", "the board", "corbyn"):
            state = State()
            conversation.answer(seed_searcher, state, asked, None, None)
            reply = conversation.about_entity(seed_searcher, state, named, f"and {named}?")
            if reply.kind is ReplyKind.DECLINE:
                declined += 1
                assert asked not in reply.suggestions and reply.question not in reply.suggestions
                assert len(reply.suggestions) == conversation.SUGGESTIONS
    assert declined >= 5
    # Nor the suggested question that is the reader's own in other words (it was offered first).
    state = State()
    conversation.answer(seed_searcher, state, "when will the livingstone case be dealt with", None, None)
    milne = conversation.about_entity(seed_searcher, state, "milne", "and milne?")
    assert "When will the cases against Ken Livingstone and Jackie Walker be dealt with?" not in milne.suggestions
    assert len(milne.suggestions) == conversation.SUGGESTIONS


def test_and_someone_after_a_question_naming_no_one_asks_it_about_them(seed_searcher: Searcher) -> None:
    assert conversation.retarget(seed_searcher, "Who attended the meeting?", "Mark Gardner") == (
        "Who attended the meeting, about Mark Gardner?"
    )
    assert conversation.retarget(seed_searcher, "what did the board of deputies say", "Labour") == "what did Labour say"


def test_a_correction_after_asking_what_an_acronym_stands_for_asks_it_of_the_one_meant(seed_searcher: Searcher) -> None:
    """ "sorry i meant the jlc" after "what does cst stand for" asked "what does cst stand for,
    about the JLC?" and declined."""
    assert conversation.retarget(seed_searcher, "what does cst stand for", "the JLC") == "what does JLC stand for"
    state = State()
    conversation.answer(seed_searcher, state, "what does cst stand for", None, None)
    meant = conversation.answer(seed_searcher, state, "sorry i meant the jlc", None, None)
    assert meant.kind is ReplyKind.ANSWER and "Jewish Leadership Council" in meant.passages[0].text


def test_tell_me_more_never_repeats_a_passage_shown(seed_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(seed_searcher, state, "what did the jewish leaders ask for", None, None)
    shown = {source.key for source in first.passages}
    for _ in range(6):
        more = conversation.tell_more(seed_searcher, state)
        if more.kind is ReplyKind.NOTICE:
            assert more.lead == conversation.NOTHING_MORE
            break
        keys = {source.key for source in more.passages}
        assert keys and not keys & shown
        shown |= keys
    else:
        pytest.fail("tell me more never ran out")


def test_a_short_question_leans_on_the_last_one(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "Is there going to be another meeting?", None, None)
    reply = conversation.answer(seed_searcher, state, "when?", None, None)
    assert reply.kind is ReplyKind.ANSWER
    assert 29 in [source.paragraph for source in reply.passages]  # "a further meeting ... in July"


def test_a_short_question_the_conversation_does_not_answer_is_not_asked_of_the_whole_article(
    seed_searcher: Searcher,
) -> None:
    """ "who's going" after "when's the next meeting" was searched again with the article's title
    as its subject, and answered with the talks' opening paragraph."""
    state = State()
    first = conversation.answer(seed_searcher, state, "when's the next meeting", None, None)
    assert [source.paragraph for source in first.passages][:1] == [29]
    reply = conversation.answer(seed_searcher, state, "who's going", None, None)
    assert 1 not in [source.paragraph for source in reply.passages]


def test_a_short_follow_up_that_draws_only_the_passages_just_shown_is_declined(seed_searcher: Searcher) -> None:
    """ "why not?" after the IHRA answer quoted paragraph 28 again, word for word."""
    state = State()
    first = conversation.answer(seed_searcher, state, "did corbyn accept the ihra definition", None, None)
    assert first.kind is ReplyKind.ANSWER
    why = conversation.answer(seed_searcher, state, "why not?", None, None)
    assert why.kind is ReplyKind.DECLINE and not why.passages
    assert why.lead.startswith("The article doesn't say more about that than what I showed you before.")
    assert len(why.suggestions) == conversation.SUGGESTIONS and first.question not in why.suggestions
    # The last answer stays for its follow-ups.
    assert state.last_sources == list(first.passages)
    assert conversation.who_said(seed_searcher, state).kind is ReplyKind.WHO_SAID
    # Typed in chat shorthand alike ("y" searched as "why", no word of its own).
    shorthand = conversation.answer(seed_searcher, state, "y not", None, None)
    assert shorthand.kind is ReplyKind.DECLINE and not shorthand.passages


def test_suggestions_after_a_decline_are_near_what_was_asked(seed_searcher: Searcher) -> None:
    about_demands = conversation.ask(seed_searcher, "what did the jewish labour movement say about the letter")
    about_goldstein = conversation.ask(seed_searcher, "what did arkush say about goldstein")
    assert about_demands.kind is about_goldstein.kind is ReplyKind.DECLINE
    assert about_demands.suggestions != about_goldstein.suggestions
    for question in about_demands.suggestions + about_goldstein.suggestions:
        assert seed_searcher.search(question).answerable, question


def test_the_greeting_names_the_article_and_offers_its_questions(seed_searcher: Searcher) -> None:
    hello = conversation.introduce(seed_searcher)
    assert "Crunch talks between Jeremy Corbyn and Jewish community leaders" in hello.lead
    assert len(hello.suggestions) == conversation.SUGGESTIONS
    assert conversation.introduce(seed_searcher, capabilities=True).lead.startswith("I can answer questions about")


def test_the_greeting_knows_only_the_articles_it_has(council_searcher: Searcher) -> None:
    hello = conversation.introduce(council_searcher)
    assert "Quayside" in hello.lead and "Corbyn" not in hello.lead
    assert all("Corbyn" not in question for question in hello.suggestions)


def test_what_the_bot_can_do_promises_sides_only_of_articles_that_have_them(
    seed_searcher: Searcher, tmp_path: Path
) -> None:
    """A flood report has no sides: "what each side asked for and promised" and "the other side's
    view" were promised of it, as of the seed's talks."""
    assert "each side" in conversation.introduce(seed_searcher, capabilities=True).lead
    searcher = article_searcher(tmp_path, "flood", "Homes evacuated as river bursts its banks", FLOOD_REPORT)
    able = conversation.introduce(searcher, capabilities=True).lead
    assert "Homes evacuated" in able and "side" not in able


def test_the_other_side_of_a_question_naming_both_is_the_side_whose_words_it_asked(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "what did the jlc and bod say about corbyns proposals", None, None)
    other = conversation.other_side(seed_searcher, state)
    assert other.lead == "What Labour said:"


def test_who_said_names_whom_the_article_reports(seed_searcher: Searcher) -> None:
    state = State()
    answer = conversation.answer(seed_searcher, state, "What did Labour commit to?", None, None)
    reported = [source for source in answer.passages if "Ms Formby also committed" in source.text]
    assert reported, answer  # Labour's account: the article reporting Ms Formby's commitment
    who = conversation.who_said(seed_searcher, state)
    lines = render_text(who).splitlines()
    assert f"Paragraph {reported[0].paragraph}: the article itself, reporting Ms Formby." in lines
    # Kept in the conversation's slots, and read back from slots written before the field existed.
    row = reported[0].to_json()
    assert Source.from_json(row) == reported[0]
    assert Source.from_json({key: value for key, value in row.items() if key != "reports"}).reports == ()


def test_what_a_voice_said_is_the_passages_it_speaks_in_the_articles_order(seed_searcher: Searcher) -> None:
    # Searched, "What did Jeremy Corbyn say?" (a question the bot suggests) led with paragraph 1,
    # the Board's account, which names him; he speaks in paragraphs 30 to 33.
    state = State()
    reply = conversation.answer(seed_searcher, state, "What did Jeremy Corbyn say?", None, None)
    assert reply.kind is ReplyKind.ANSWER
    assert reply.lead == "What Jeremy Corbyn said:"
    assert [source.paragraph for source in reply.passages] == [30, 31, 32]
    assert speakers(reply) == {"Jeremy Corbyn"}
    assert all(source.highlight is not None and source.highlight.start == 0 for source in reply.passages)
    more = conversation.tell_more(seed_searcher, state)
    assert more.lead == "Jeremy Corbyn also said:"
    assert [source.paragraph for source in more.passages] == [33]
    assert conversation.tell_more(seed_searcher, state).lead == conversation.NOTHING_MORE
    # The surname is enough, and "himself" asks for nothing more.
    for question in ("what did corbyn say", "what did corbyn himself say?"):
        asked = conversation.answer(seed_searcher, State(), question, None, None)
        assert [source.paragraph for source in asked.passages] == [30, 31, 32], question


def test_what_else_a_voice_said_goes_on_with_its_words(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "what did corbyn say", None, None)
    more = conversation.answer(seed_searcher, state, "what else did corbyn say?", None, None)
    assert more.lead == "Jeremy Corbyn also said:"
    assert [source.paragraph for source in more.passages] == [33]
    assert conversation.answer(seed_searcher, state, "what else did corbyn say", None, None).lead == (
        conversation.NOTHING_MORE
    )
    # Asked first, it is his words from the start.
    first = conversation.answer(seed_searcher, State(), "what else did corbyn say", None, None)
    assert [source.paragraph for source in first.passages] == [30, 31, 32]


def test_a_misspelt_voice_and_then_another_are_their_own_words(seed_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(seed_searcher, state, "wat did goldstien say", None, None)
    assert first.lead == "What Jonathan Goldstein said:"
    other = conversation.about_entity(seed_searcher, state, "corbyn", "and corbyn")
    assert other.lead == "What Jeremy Corbyn said:"
    assert [source.paragraph for source in other.passages] == [30, 31, 32]


def test_what_two_voices_said_names_both(seed_searcher: Searcher) -> None:
    reply = conversation.answer(seed_searcher, State(), "what did goldstein and corbyn say", None, None)
    assert [source.paragraph for source in reply.passages] == [7, 30, 31]
    assert reply.lead == "What Jonathan Goldstein and Jeremy Corbyn said:"


def test_what_a_body_said_takes_the_speakers_naming_it_in_part(seed_searcher: Searcher) -> None:
    reply = conversation.answer(seed_searcher, State(), "what did the board say", None, None)
    assert [source.paragraph for source in reply.passages] == [1, 9, 10]
    assert all("Board" in source.speaker.label for source in reply.passages)
    # A side's name (the facts beside the article name Labour's voices): every voice of the side.
    labour = conversation.answer(seed_searcher, State(), "what did labour say?", None, None)
    assert [source.paragraph for source in labour.passages] == [2, 24, 30]
    assert labour.lead == "What Labour sources and Jeremy Corbyn said:"


def test_a_voices_words_about_something_or_of_someone_never_heard_are_searched(seed_searcher: Searcher) -> None:
    assert seed_searcher.own_words("what did corbyn say about israel") is None
    assert seed_searcher.own_words("what did Jonathan Goldstein say after the meeting") is None
    # Never speaks: the checks decline (Arkush), or the narration's report answers (Formby).
    assert seed_searcher.own_words("what did arkush say") is None
    declined = conversation.answer(seed_searcher, State(), "what did arkush say", None, None)
    assert declined.kind is ReplyKind.DECLINE
    formby = conversation.answer(seed_searcher, State(), "what did formby say", None, None)
    assert formby.kind is ReplyKind.ANSWER and 25 in [source.paragraph for source in formby.passages]


def test_after_a_voices_words_the_other_side_and_who_said_that_follow(seed_searcher: Searcher) -> None:
    state = State()
    conversation.answer(seed_searcher, state, "What did Jeremy Corbyn say?", None, None)
    assert state.last_question == "What did Jeremy Corbyn say?"  # it leans on nothing: it names all it asks
    other = conversation.other_side(seed_searcher, state)
    assert other.passages and all("Labour" not in source.speaker.label for source in other.passages)
    assert "Corbyn" not in speakers(other)


def test_a_doubt_is_told_the_bot_cannot_check_and_who_said_it(seed_searcher: Searcher) -> None:
    state = State()
    question = "When will the Livingstone and Walker cases be dealt with?"
    first = conversation.answer(seed_searcher, state, question, None, None)
    for doubt in ("is that true?", "Is it TRUE??", "are you sure", "but is that true", "can i trust that"):
        reply = conversation.answer(seed_searcher, state, doubt, None, None)
        assert reply.kind is ReplyKind.WHO_SAID, doubt
        assert reply.lead.startswith(conversation.CANNOT_CHECK), doubt
        assert [source.key for source in reply.passages] == [source.key for source in first.passages]
    # Nothing answered yet, or the last question declined: nothing to check.
    assert conversation.answer(seed_searcher, State(), "is that true?", None, None).lead == conversation.NO_ANSWER_YET
    declined = State()
    conversation.answer(seed_searcher, declined, "What did Corbyn say about Israel?", None, None)
    after = conversation.answer(seed_searcher, declined, "is that true", None, None)
    assert conversation.NOTHING_TO_CHECK in after.lead


def test_an_objection_gets_an_apology_and_the_last_answer_stays(seed_searcher: Searcher) -> None:
    state = State()
    first = conversation.answer(seed_searcher, state, "who was at the meeting", None, None)
    for objection in ("no thats not what i asked", "That's wrong.", "not what i meant"):
        reply = conversation.answer(seed_searcher, state, objection, None, None)
        assert reply.kind is ReplyKind.NOTICE, objection
        assert reply.lead == conversation.MISSED and len(reply.suggestions) == conversation.SUGGESTIONS
        assert not reply.passages
    who = conversation.who_said(seed_searcher, state)
    assert [source.key for source in who.passages] == [source.key for source in first.passages]
    # A suggested question that missed is not offered again.
    suggested = State()
    conversation.answer(seed_searcher, suggested, "What did Jeremy Corbyn say?", None, None)
    missed = conversation.answer(seed_searcher, suggested, "no thats not what i asked", None, None)
    assert len(missed.suggestions) == conversation.SUGGESTIONS
    assert "What did Jeremy Corbyn say?" not in missed.suggestions
    # A question that merely uses such words is searched.
    searched = conversation.answer(seed_searcher, state, "what was wrong with the meeting", None, None)
    assert searched.lead != conversation.MISSED


MATCH_REPORT = [
    "Riverside Rovers beat Harbour Town 3-1 on Saturday at the Old Mill ground.",
    "Maya Okafor scored twice for Riverside Rovers in the first half, and Tom Ellery added a third late on.",
    "Harbour Town's only goal came from a penalty after Tom Ellery handled the ball.",
    "Maya Okafor has now scored nine goals this season. Riverside Rovers play again next Saturday.",
    "The crowd of 4,200 was the ground's largest this season.",
]


def test_an_article_without_facts_or_voices_offers_its_names(tmp_path: Path) -> None:
    """A match report with no facts file and no quoted voice: the names it mentions at least
    twice are offered ("What does the article say about ...?"), answered by search, and after a question about one of
    them that the article does not answer (she is never quoted), the suggestion about her comes first."""
    searcher = article_searcher(tmp_path, "match", "Rovers win at home", MATCH_REPORT)

    pool = searcher.suggestion_pool()
    named = [question for question in pool if question.startswith("What does the article say about ")]
    # Named twice or more; "Harbour Town" twice too, "Old Mill" once; most mentioned first.
    assert named[:1] == ["What does the article say about Riverside Rovers?"]
    names = ("Riverside Rovers", "Maya Okafor", "Tom Ellery", "Harbour Town")
    assert set(named) == {f"What does the article say about {name}?" for name in names}
    assert pool[0] == "What happened in “Rovers win at home”?"  # the greeting still opens with the gist
    for question in named:
        assert searcher.search(question).answerable, question

    declined = conversation.ask(searcher, "what did maya okafor say after the game")
    assert declined.kind is ReplyKind.DECLINE
    assert declined.suggestions[0] == "What does the article say about Maya Okafor?"


def test_names_offered_leave_out_titles_and_the_article_title() -> None:
    from newsbot.retrieval.search import most_named

    texts = ["Mr Jeremy Corbyn met Mr Goldstein.", "Jeremy Corbyn’s office and Super Bowl plans.", "Super Bowl"]
    proper = frozenset({"mr", "jeremy", "corbyn", "goldstein", "super", "bowl"})
    assert most_named(texts, proper) == ["Jeremy Corbyn", "Super Bowl"]
    assert most_named(texts, proper, ["Super Bowl 50"]) == ["Jeremy Corbyn"]


BRIDGE_REPORT = [
    "The Harbour Bridge will close for eight months from March, the city council announced on Thursday.",
    'The opposition group called the closure "a failure of planning". Its leader, Tom Hadley, said: '
    '"The council was warned about these cables three years ago and did nothing."',
    "Sarah Lind, who runs a café on Quay Street, said trade fell by a third during the last closure.",
    "Buses will be diverted through the tunnel, adding up to 25 minutes to some journeys.",
    'Council leader Margaret Osei said the decision was "painful but unavoidable".',
    "A council spokesperson said a free ferry would run every 15 minutes.",
]


def test_a_voice_set_off_by_commas_is_heard_and_a_place_is_not(tmp_path: Path) -> None:
    """ "Its leader, Tom Hadley, said" lets Tom Hadley speak, though the paragraph is the group's:
    asked what he said, the bot quotes that paragraph (it declined: "never quotes them"). A
    relative clause before "said" is no voice: "Quay Street" still never speaks. And the buses'
    "adding up to" is no speech: no "What did Buses say?" is offered."""
    searcher = article_searcher(tmp_path, "bridge", "Harbour bridge to close", BRIDGE_REPORT)

    hadley = conversation.ask(searcher, "what did tom hadley say")
    assert hadley.kind is ReplyKind.ANSWER and [source.paragraph for source in hadley.passages][:1] == [2]
    assert conversation.ask(searcher, "what did quay street say").kind is ReplyKind.DECLINE
    assert not any("Buses" in question for question in searcher.suggestion_pool())


def test_a_person_is_asked_for_by_the_role_the_article_gives_them(tmp_path: Path) -> None:
    """ "what did the council leader say": Margaret Osei, whom the article calls "Council leader";
    before, the council's and its spokesperson's passages (their names hold "council")."""
    searcher = article_searcher(tmp_path, "bridge", "Harbour bridge to close", BRIDGE_REPORT)

    leader = conversation.ask(searcher, "what did the council leader say")
    assert [source.speaker.label for source in leader.passages] == ["Margaret Osei"]
    council = conversation.ask(searcher, "what did the council say")
    assert "Margaret Osei" not in {source.speaker.label for source in council.passages}


def test_a_person_asked_for_by_the_group_they_lead(tmp_path: Path) -> None:
    """ "what did the conservatives say": Helen Marsh, "the leader of the Conservative group" (it
    was declined: the article "mentions Conservative but never quotes them"), and the Conservative
    group is not the cycling group whose spokesperson speaks."""
    searcher = article_searcher(tmp_path, "lane", "Cycle lane to stay", [
        "The committee voted by six votes to three to keep the lane. Two Conservative members voted against.",
        'Councillor Helen Marsh, the leader of the Conservative group, called the decision "a kick in the teeth".',
        'A spokesperson for the cycling group Westport on Wheels said: "Children now cycle to school."',
    ])  # fmt: skip
    for question in ("what did the conservatives say", "what did the conservative group say"):
        reply = conversation.ask(searcher, question)
        assert speakers(reply) == {"Helen Marsh"}, question
    cycling = conversation.ask(searcher, "what did the cycling group say")
    assert speakers(cycling) == {"a spokesperson for the cycling group Westport on Wheels"}


def test_a_barrister_asked_for_by_the_side_they_argue(tmp_path: Path) -> None:
    """ "what did his lawyer say" of a court report ("Defending, John Hale said"): John Hale (it was
    declined: "The article doesn't mention his lawyer"); "the prosecution": Amira Shah (declined:
    "mentions prosecution but never quotes them")."""
    searcher = article_searcher(tmp_path, "court", "Landlord jailed", [
        "A landlord who ignored warnings about faulty wiring has been jailed for four years.",
        'Prosecuting, Amira Shah told the court the warnings were ignored. "He did neither," she said.',
        'Defending, John Hale said his client was "deeply ashamed" and had sold the property.',
    ])  # fmt: skip
    for question, speaker in (
        ("what did his lawyer say", "John Hale"),
        ("what did the defence say", "John Hale"),
        ("what did the prosecution say", "Amira Shah"),
    ):
        assert speakers(conversation.ask(searcher, question)) == {speaker}, question


def test_the_roles_an_article_gives_a_person() -> None:
    from newsbot.retrieval.search import roles_given

    texts = [
        "Council leader Margaret Osei said it was painful.",
        "The group was angry. Its leader, Tom Hadley, said so.",
        "A private meeting was held with Seamus Milne, Mr Corbyn's key adviser, on Monday.",
        "It was chaired by Margaret Osei. Sarah Lind, who runs a café, said trade fell.",
        "The hospital's chief executive, Dr Anjali Rao, apologised.",
        "Unite, the union that represents most of the workers, said it was devastated.",
        "Mr Kerr said the union would ask Calder Foods to delay the closure.",
        "Councillor Helen Marsh, the leader of the Conservative group, called it a disgrace.",
        "Prosecuting, Amira Shah told the court the warnings were ignored.",
        "Defending, John Hale said his client was ashamed.",
    ]
    assert roles_given(texts, "Margaret Osei") == {"council", "leader"}
    assert roles_given(texts, "Tom Hadley") == {"leader"}
    assert "advis" in roles_given(texts, "Seamus Milne") or "adviser" in roles_given(texts, "Seamus Milne")
    assert roles_given(texts, "Sarah Lind") == frozenset()
    assert {"chief", "execut"} <= roles_given(texts, "Anjali Rao")  # a title between role and name
    assert roles_given(texts, "Unite") == {"union"}  # an organisation's, up to the relative clause
    assert roles_given(texts, "Calder Foods") == frozenset()  # "the union would ask" is no role of theirs
    assert roles_given(texts, "Helen Marsh") == {"councillor", "leader", "conserv", "group"}  # and the group she leads
    # A court report's barristers, by the side they argue: what readers call them.
    assert {"prosecut", "prosecutor"} <= roles_given(texts, "Amira Shah")
    assert {"defenc", "lawyer", "barrist"} <= roles_given(texts, "John Hale")


FACTORY_REPORT = [
    "The biscuit factory will close next year with the loss of 400 jobs, its owner confirmed on Monday.",
    'Northport\'s MP, Helen Achebe, called the news "a hammer blow for the town".',
    "Retired teacher Jean Marsh, 81, said she had worked there for 30 years.",
    '"My phone lit up before my manager said a word," said one worker, who did not want to be named.',
]


def test_readers_ask_for_voices_by_what_they_are(tmp_path: Path) -> None:
    """The MP (Helen Achebe, "Northport's MP"), the teacher ("Retired teacher Jean Marsh"), the
    workers (an unnamed worker quoted after the quote): each was declined, "never quotes them"."""
    searcher = article_searcher(tmp_path, "factory", "Biscuit factory to close", FACTORY_REPORT)

    for question, speaker in [
        ("what did the mp say", "Helen Achebe"),
        ("what did the teacher say", "Jean Marsh"),
        ("what did the workers say", "a worker"),
    ]:
        reply = conversation.ask(searcher, question)
        assert reply.kind is ReplyKind.ANSWER, question
        assert reply.passages[0].speaker.label == speaker, question


def test_the_other_side_names_only_the_voices_it_shows(tmp_path: Path) -> None:
    """An article without sides in its facts: the other voices' passages, under a lead that names
    those shown (it named every other voice, some with nothing shown)."""
    paragraphs = [
        *FACTORY_REPORT,
        '"We have explored every option," a company spokeswoman said.',
        'Unite, the union that represents most of the workers, said it was "devastated".',
        "Regional officer Dave Kerr said the workers had given decades to the firm.",
    ]
    searcher = article_searcher(tmp_path, "factory", "Biscuit factory to close", paragraphs)

    state = State()
    conversation.answer(searcher, state, "what did helen achebe say about the closure", None, None)
    other = conversation.other_side(searcher, state)
    assert other.kind is ReplyKind.MORE and other.passages and other.lead.startswith("What ")
    named = other.lead.removeprefix("What ").removesuffix(" said:").replace(" and ", ", ").split(", ")
    assert set(named) <= {source.speaker.label for source in other.passages}, other.lead


def test_plain_search_hears_a_voice_by_its_role_as_the_bot_does(tmp_path: Path) -> None:
    """ "what did the mp say about the closure" asks about something, so it is searched: the MP is
    heard by her role there too (plain search declined it, "never quotes them", while the bot's
    "what did the mp say" answered)."""
    searcher = article_searcher(tmp_path, "factory", "Biscuit factory to close", FACTORY_REPORT)
    assert searcher.unquoted_names("what did the mp say about the closure") == ()
    assert searcher.unquoted_names("what did the local mp say about the factory") == ()
    assert searcher.unquoted_names("what did the factory say") != ()  # named, never heard


def test_a_capital_where_a_sentence_starts_is_no_name(tmp_path: Path) -> None:
    """ "Local businesses fear ..." does not make "local" a name: "what did the local mp say" asks
    for the MP the article hears (it was "never quotes Local MP"), echoed as the reader wrote it;
    a name that only ever starts sentences ("Maya Okafor runs ...") is still a name."""
    report = [
        "Local businesses fear the closure will cost them trade.",
        "Maya Okafor runs the cafe on Quay Street.",
        "Northport's MP, Helen Achebe, said the town would fight the closure.",
    ]
    searcher = article_searcher(tmp_path, "closure", "Factory to close", report)
    assert searcher.as_spelled("local maya okafor") == "local Maya Okafor"
    assert searcher.unquoted_names("what did the local mp say about the closure") == ()
    assert searcher.unquoted_names("what did the local cafe say about the closure") == ("local cafe",)


FLOOD_REPORT = [
    "More than 300 homes in Lowbridge were evacuated overnight after the River Wend burst its banks.",
    "Council leader Arthur Pike said the council would pay for hotel rooms.",
    'Residents said the flood defences had never been built. "We were told the wall would be finished by 2024,"'
    " said Mohammed Rahman, 52, whose shop on Mill Lane was flooded.",
    'A spokeswoman for the agency said: "We understand residents\' frustration."',
]


def test_a_voice_named_after_its_quote_and_unnamed_voices_are_heard(tmp_path: Path) -> None:
    """'"...," said Mohammed Rahman, 52' inside the residents' paragraph: "what did mohammed rahman
    say" got "never quotes them"; "what did the residents say" got the agency's passage, which
    only mentions residents, and "What did Residents say?" was offered."""
    searcher = article_searcher(tmp_path, "flood", "Homes evacuated as river bursts its banks", FLOOD_REPORT)
    assert searcher.unquoted_names("what did mohammed rahman say") == ()
    found = searcher.search("what did mohammed rahman say")
    assert found.answerable and found.hits[0].passage.paragraph == 3
    assert found.hits[0].speaker.label == "Mohammed Rahman"  # his quote, not the residents'
    own = searcher.own_words("what did the residents say")
    assert own is not None and [passage.paragraph for passage in own] == [3]
    assert not any("Residents" in question for question in searcher.suggestion_pool())


def test_a_voice_the_article_never_mentions_is_named_in_the_decline(tmp_path: Path) -> None:
    """ "what did the police say" of a flood report that never mentions the police: the decline
    says so ("I found nothing that answers this question" said nothing of why); a voice the article
    mentions keeps the evidence's decision."""
    searcher = article_searcher(tmp_path, "flood", "Homes evacuated as river bursts its banks", FLOOD_REPORT)
    reply = conversation.ask(searcher, "what did the police say")
    assert reply.kind is ReplyKind.DECLINE
    assert reply.lead.startswith("The article doesn't mention the police, so I can't answer that from it.")
    assert searcher.search("what did the prime minister say about the flood").unknown_names == ("the prime minister",)
    assert searcher.search("what did the council say").unknown_names == ()
    assert searcher.search("what did they say").unknown_names == ()


STRIKE_REPORT = [
    "Train drivers on Coastline Rail will strike for three days next month, the Rail Workers' Union has announced.",
    '"Nobody wants to strike," said Karen Doyle, the union\'s general secretary.',
    'Coastline Rail said it had offered 4.5 per cent this year, which it called "fair and affordable".',
    "Commuters reacted with frustration. Priya Shah, 34, a nurse who travels from Eastbay every day, said: "
    '"I have no other way of getting to work."',
]


def test_a_vox_pop_is_asked_for_by_what_the_article_calls_them(tmp_path: Path) -> None:
    """ "what did the nurse say" and "what do commuters think" of a strike report: Priya Shah, "34,
    a nurse" after "Commuters reacted with frustration." (both were declined: "mentions nurse but
    never quotes them"); "what did the general secretary say": Karen Doyle, named at a sentence's end."""
    searcher = article_searcher(tmp_path, "strike", "Rail workers to strike", STRIKE_REPORT)
    for question in ("what did the nurse say", "what do commuters think"):
        assert speakers(conversation.ask(searcher, question)) == {"Priya Shah"}, question
    assert speakers(conversation.ask(searcher, "what did the general secretary say")) == {"Karen Doyle"}


SCHOOL_REPORT = [
    "Northshire County Council says falling pupil numbers mean neither school can stay open on its own.",
    '"Nobody wants to close a village school," said Councillor Rachel Oduya.',
    "Parents packed the village hall on Thursday night. Many said the bus journey was too long for "
    "children as young as four.",
    "The parents' group, Save Carrow School, has collected more than 900 signatures on a petition and says "
    "it will ask for a judicial review.",
]


def test_a_group_the_narration_reports_without_naming_it_there_is_heard(tmp_path: Path) -> None:
    """ "what did the parents say" of a school report: "Parents packed the hall. Many said ..." and
    "The parents' group ... and says ..." report them (it was declined: "The article mentions
    parents but never quotes them")."""
    searcher = article_searcher(tmp_path, "school", "Parents fight school merger", SCHOOL_REPORT)
    reply = conversation.ask(searcher, "what did the parents say")
    assert reply.kind is ReplyKind.ANSWER
    assert {source.paragraph for source in reply.passages} >= {3, 4}
    assert group_reported(SCHOOL_REPORT[2]) == ["parents"]
    assert group_reported(SCHOOL_REPORT[3]) == ["parents"]
    assert group_reported("The meeting ended late. Many said nothing.") == []  # no group opens the sentence before
    assert group_reported("Mr Corbyn said he would.") == []


CRASH_REPORT = [
    "A cyclist was left with serious head injuries after being hit by a car on the A614 on Sunday evening.",
    "Detective Inspector Mark Holloway, of Northshire Police's roads policing unit, said: \"I would urge the "
    'driver to come forward."',
    'The man\'s wife said in a statement that her husband was "a careful, experienced rider".',
]


def test_a_person_of_an_organisation_speaks_for_it(tmp_path: Path) -> None:
    """ "what did police say" of a hit-and-run report: the detective is "of Northshire Police's
    roads policing unit" (it was declined: "The article mentions Police's but never quotes them")."""
    searcher = article_searcher(tmp_path, "crash", "Cyclist hurt in hit-and-run", CRASH_REPORT)
    for question in ("what did police say", "what did the police say"):
        assert speakers(conversation.ask(searcher, question)) == {"Mark Holloway"}, question
    assert searcher.as_spelled("police") == "Police"  # not "Police's"
    assert speakers(conversation.ask(searcher, "what did his wife say")) == {"the man's wife"}


BREACH_REPORT = [
    (
        "Brightwell Energy has apologised to 180,000 customers after hackers stole names, addresses and bank "
        "details from its billing system."
    ),
    (
        "The Northport-based supplier said it discovered the breach on 21 November and shut down the affected"
        " system within hours. Customers were told by email on Friday, more than a week later."
    ),
    (
        '"We are deeply sorry," chief executive Laura Pike said in a statement. "Protecting our customers\' '
        'information is our first duty, and on this occasion we fell short."'
    ),
    (
        "The company said passwords were not taken and that it had found no evidence the stolen details had "
        "been used. It is offering every affected customer two years of free credit monitoring."
    ),
    (
        "The Information Commissioner's Office, which regulates data protection, confirmed it was making "
        "enquiries. A spokesperson said firms must report serious breaches within 72 hours."
    ),
    (
        "Cyber security expert Dr Neil Chandra, of Northport University, told the Echo the delay in telling "
        'customers was "hard to justify". "The first thing criminals do with bank details is try them," he '
        'said. "Every day counts."'
    ),
    (
        "Customers contacted by the Echo said they were angry. Jean Hollis, 71, from Westgate, said she had "
        "cancelled her direct debit. \"I've been with them twenty years and I found out from a newspaper "
        'before I got their email," she said.'
    ),
    (
        "Brightwell said its customer helpline would stay open until 10pm every day this week. Customers are "
        "advised to watch their bank statements and to be wary of calls claiming to be from the company."
    ),
]


def test_the_boss_is_the_chief_executive_when_the_article_says_only_that(tmp_path: Path) -> None:
    """ "what did the boss say" of a data-breach report: "boss" is no word of the article, so it was
    declined ("doesn't mention the boss", then for want of evidence); the roles readers call so
    are searched with it."""
    searcher = article_searcher(tmp_path, "breach", "Energy firm apologises", BREACH_REPORT)
    assert speakers(conversation.ask(searcher, "what did the boss say")) == {"Laura Pike"}
    assert searcher.search("what did the boss say").answerable  # plain search decides alike
    assert "chief executive" in searcher.alternatives("what did the boss say")


STRIKE_MINISTER = [
    "Train drivers on Coastline Rail will strike for three days next month after pay talks broke down.",
    (
        'Transport minister Alan Pryce called on both sides to return to talks. "Passengers should not be '
        'caught in the middle of this dispute," he said. He said the government would not intervene.'
    ),
]


def test_the_government_is_the_minister_when_the_article_quotes_only_the_minister(tmp_path: Path) -> None:
    """ "what did the govt say" of a rail strike: the article names the government but quotes its
    transport minister, so it was declined ("mentions government but never quotes them")."""
    searcher = article_searcher(tmp_path, "strike", "Rail workers to strike", STRIKE_MINISTER)
    for question in ("what did the govt say", "what did the government say"):
        assert speakers(conversation.ask(searcher, question)) == {"Alan Pryce"}, question
        assert searcher.search(question).answerable  # plain search decides alike


RIVER_REPORT = [
    (
        "Northshire Water discharged raw sewage into the River Lune for more than 900 hours last year, "
        "according to figures from the Environment Agency."
    ),
    (
        "The figures show the overflow at Castleford treatment works spilled 112 times in 2025, up from 64 "
        "the year before. It is the worst record of any site in the county."
    ),
    (
        "Campaigners say the river is now unsafe for swimming for much of the summer. Ruth Adler, who founded"
        ' the Lune Swimmers group five years ago, said members had fallen ill after swims in August. "People '
        'come here with their children," she said. "Nobody told us the water was full of sewage."'
    ),
    (
        'A spokeswoman for Northshire Water said the overflows were "permitted in exceptional circumstances '
        'such as heavy rainfall" and that last year had been unusually wet. She said the company would spend '
        "£40 million upgrading the Castleford works by 2030."
    ),
    "The firm said it monitored every overflow and published the data online.",
    "The Environment Agency said it was investigating the Castleford site and could not comment further.",
    (
        'Local MP Helen Carter called the figures "a national scandal" and said she would raise them in '
        'Parliament. "Bonuses for water bosses should be frozen until the sewage stops," she said.'
    ),
    (
        "Northshire Water's chief executive, Mark Dunn, received a bonus of £380,000 last year, the company's"
        " annual report shows."
    ),
]


def test_a_sewage_report_its_swimmers_and_its_company_are_heard(tmp_path: Path) -> None:
    """Found on a river-pollution report: "what did the swimmers say" was declined ("never quotes
    them": Ruth Adler, "who founded the Lune Swimmers group", said it after "Campaigners say"), and
    so was "what did the company say" (the company speaks as "the firm" and by a spokeswoman)."""
    searcher = article_searcher(tmp_path, "river", "Water firm pumped sewage into the river", RIVER_REPORT)
    assert roles_given(RIVER_REPORT, "Ruth Adler") == {"lune", "swimmer", "group"}
    for question in ("what did the swimmers say", "what did the company say", "what did the water company say"):
        assert searcher.search(question).answerable, question
    assert "Ruth Adler" in speakers(conversation.ask(searcher, "what did the swimmers say"))
    # "and the company?" then asks the company's words (it asked "what did the swimmers say, about the company?").
    assert conversation.retarget(searcher, "what did the swimmers say", "the company") == "what did the company say"


def test_and_someone_replaces_a_voice_the_question_named_by_what_the_article_calls_them(tmp_path: Path) -> None:
    """ "and the union?" after "what did the nurse say": the nurse is Priya Shah, named by what the
    article calls her, so the union takes her place (it was asked "what did the nurse say, about the
    union?", and drew the judge's words again after "what did the judge say" of a court report)."""
    searcher = article_searcher(tmp_path, "strike", "Rail workers to strike", STRIKE_REPORT)
    assert conversation.retarget(searcher, "what did the nurse say", "the union") == "what did the union say"
    assert conversation.retarget(searcher, "what did a commuter think", "Coastline Rail") == (
        "what did Coastline Rail think"
    )


def test_and_someone_the_nlu_did_not_recognise_is_read_from_the_follow_up(tmp_path: Path) -> None:
    """ "and the union?" after "what did coastline say": the NLU's names are the seed's, so it
    found none, and the follow-up was searched as it stands ("different accounts" of three voices)."""
    searcher = article_searcher(tmp_path, "strike", "Rail workers to strike", STRIKE_REPORT)
    state = State()
    conversation.answer(searcher, state, "what did coastline say", None, None)
    reply = conversation.about_entity(searcher, state, None, "and the union?")
    assert (state.last_question or "").lower() == "what did the union say"  # as the article spells it: "Union"
    assert speakers(reply) == {"the Rail Workers' Union"}
    assert conversation.named_in_followup("what about Coastline") == "Coastline"
    assert conversation.named_in_followup("and how many came?") is None
    assert conversation.named_in_followup("and who said that?") is None
    assert conversation.named_in_followup("what about 🙂?") is None


def test_a_voice_quoted_after_its_organisation_and_every_voice_of_a_kind(tmp_path: Path) -> None:
    """Found on a profit-warning report: "what did the organiser say" was declined ("mentions
    organiser but never quotes them"): Sam Okafor is quoted after the union in its paragraph; "what
    did the analysts say" gave Jane Roe, "a retail analyst at Peel Hunt", without "another analyst"."""
    searcher = article_searcher(tmp_path, "apex", "Apex Foods shares slump", [
        "Shares in Apex Foods fell by almost a fifth after its second profit warning.",
        'Analysts were not convinced. "It keeps not being over," said Jane Roe, a retail analyst at Peel Hunt.',
        "Another analyst, who asked not to be named, said the board would come under pressure.",
        "The GMB union said it would fight the job cuts. Its regional organiser, Sam Okafor, said: "
        '"Our members are paying the price."',
    ])  # fmt: skip
    organiser = conversation.ask(searcher, "what did the organiser say")
    assert organiser.kind is ReplyKind.ANSWER and [source.paragraph for source in organiser.passages][:1] == [4]
    assert speakers(conversation.ask(searcher, "what did the analysts say")) == {"Jane Roe", "another analyst"}
    assert speakers(conversation.ask(searcher, "what did the peel hunt analyst say")) == {"Jane Roe"}


def test_a_person_is_asked_for_by_the_word_readers_use_for_their_role(tmp_path: Path) -> None:
    """ "what did the boss say", "the ceo": the chief executive (both were declined: "doesn't
    mention the boss"); a club's chairman is not its "boss" when its manager speaks."""
    searcher = article_searcher(tmp_path, "apex", "Apex Foods shares slump", [
        '"This has been a difficult year," chief executive Tom Reid said in a statement.',
        'Jane Roe, a retail analyst at Peel Hunt, said: "It keeps not being over."',
    ])  # fmt: skip
    for question in ("what did the boss say", "what did the ceo say"):
        assert speakers(conversation.ask(searcher, question)) == {"Tom Reid"}, question
    school = article_searcher(tmp_path / "school", "school", "School rated inadequate", [
        'In a letter to parents, headteacher Jane Cole said she was "deeply disappointed" by the findings.',
        'Councillor Amy Ross said the council would support the school.',
    ])  # fmt: skip
    assert speakers(conversation.ask(school, "what did the head say")) == {
        "Jane Cole"
    }  # was "doesn't mention the head"
    from newsbot.retrieval.search import roles_given

    club = ["Rovers manager Gary Holt was furious.", "The club's chairman, Rob Whitfield, said the stand would open."]
    assert "boss" in roles_given(club, "Gary Holt") and "boss" not in roles_given(club, "Rob Whitfield")


def test_a_body_asked_for_by_an_acronym_the_article_never_writes(tmp_path: Path) -> None:
    """ "what did the ifs say" of "the Institute for Fiscal Studies said": it was declined ("doesn't
    mention the ifs"); "the shadow chancellor" was "mentioned but never quoted"."""
    searcher = article_searcher(tmp_path, "budget", "Budget 2026", [
        "Thresholds stay frozen until 2030, which the Institute for Fiscal Studies said would pull 800,000 people in.",
        'The shadow chancellor, Tom Hale, said the budget was "a tax raid on the middle classes".',
    ])  # fmt: skip
    for question in ("what did the ifs say", "what did the IFS say"):
        assert speakers(conversation.ask(searcher, question)) == {"the Institute for Fiscal Studies"}, question
    assert speakers(conversation.ask(searcher, "what did the shadow chancellor say")) == {"Tom Hale"}
    assert conversation.ask(searcher, "what did the cbi say").kind is ReplyKind.DECLINE


def test_the_chancellor_is_not_the_shadow_chancellor(tmp_path: Path) -> None:
    """ "what did the chancellor say" gave the shadow chancellor too; without a chancellor it is he."""
    budget = [
        '"This is a budget for working people," the Chancellor, Rachel Moss, told MPs.',
        'The shadow chancellor, Tom Hale, said the budget was "a tax raid on the middle classes".',
    ]
    searcher = article_searcher(tmp_path / "both", "budget", "Budget 2026", budget)
    assert speakers(conversation.ask(searcher, "what did the chancellor say")) == {"Rachel Moss"}
    assert speakers(conversation.ask(searcher, "what did the shadow chancellor say")) == {"Tom Hale"}
    shadow = article_searcher(tmp_path / "shadow", "budget", "Budget 2026", budget[1:])
    assert speakers(conversation.ask(shadow, "what did the chancellor say")) == {"Tom Hale"}
