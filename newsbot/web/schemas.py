"""Request and response bodies of the API (they make the OpenAPI page)."""

from __future__ import annotations

from pydantic import BaseModel, Field

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
ARTICLE_PATTERN = r"^[^/\\\x00-\x1f]{1,200}$"  # an article file's name without its suffix
# What each pattern asks for, in words (an error names this, not the regular expression).
PATTERN_MEANINGS = {
    SESSION_ID_PATTERN: "must be 8 to 64 letters, digits, '_' or '-'",
    ARTICLE_PATTERN: "must be an article's name: 1 to 200 characters, no slash",
}
ARTICLE_DESCRIPTION = (
    "answer from this article only (its file's name in knowledge/ without the suffix): "
    "the widget beside a story asks about that story; by default, every article"
)


class ChatRequest(BaseModel):
    session_id: str = Field(pattern=SESSION_ID_PATTERN, description="The conversation: 8 to 64 of A-Z a-z 0-9 _ -")
    message: str = Field(min_length=1, description="What the user typed; text starting with / stays plain text")
    article: str | None = Field(default=None, pattern=ARTICLE_PATTERN, description=ARTICLE_DESCRIPTION)


class HighlightOut(BaseModel):
    start: int
    end: int


class SourceOut(BaseModel):
    article: str
    title: str
    paragraph: int = Field(description="counted from 1")
    speaker: str
    speaker_kind: str = Field(description="person, organisation, anonymous, narration or joint_statement")
    text: str
    score: float
    highlight: HighlightOut | None = Field(
        default=None, description="the sentence(s) of `text` that answer: character offsets into it"
    )
    url: str = Field(description="the paragraph on the demo page, relative to the app's address")
    reports: list[str] = Field(
        default=[], description="when the article itself speaks: the named voices it reports in the answering sentences"
    )


class SideOut(BaseModel):
    name: str
    speakers: list[str] = Field(description="the voices of this side heard in the answer")


class ButtonOut(BaseModel):
    title: str
    payload: str = Field(description="send this as the next message when the button is clicked")


class BotMessageOut(BaseModel):
    id: str = Field(description="names this message in POST /api/feedback")
    text: str = Field(description="the message as plain text (lead, passages and citations)")
    kind: str = Field(
        description="answer, more, who_said, where, decline, notice; text: a message that is no reply (a greeting)"
    )
    lead: str = Field(description="the lead line, shown before the passages")
    buttons: list[ButtonOut] = []
    sources: list[SourceOut] = []
    sides: list[SideOut] = Field(default=[], description="when the passages disagree: each side and its voices")
    answerable: bool | None = Field(default=None, description="null: not an answer (chit-chat, follow-up notes)")
    contested: bool = False


class ChatResponse(BaseModel):
    session_id: str
    messages: list[BotMessageOut]


class FeedbackRequest(BaseModel):
    session_id: str = Field(pattern=SESSION_ID_PATTERN, description="the conversation the message is in")
    message_id: str = Field(min_length=1, max_length=64, description="the `id` of the bot's message")
    rating: str = Field(description='"up" or "down"')
    comment: str | None = Field(default=None, description="what was wrong (optional), at most 500 characters")


class FeedbackResponse(BaseModel):
    message_id: str
    rating: str
    comment: str | None


class AskRequest(BaseModel):
    question: str = Field(min_length=1)
    article: str | None = Field(default=None, pattern=ARTICLE_PATTERN, description=ARTICLE_DESCRIPTION)


class AskResponse(BaseModel):
    question: str
    answerable: bool
    contested: bool = Field(description="the passages shown disagree: each side is given")
    text: str = Field(description="the answer as a person reads it: passages verbatim with citations")
    kind: str = Field(description="answer or decline")
    lead: str
    sources: list[SourceOut]
    sides: list[SideOut] = []
    suggestions: list[str] = Field(default=[], description="questions the articles answer, after a decline")


class SearchResponse(BaseModel):
    question: str
    answerable: bool
    confidence: float
    passages: list[SourceOut]


class IndexHealth(BaseModel):
    loaded: bool
    fresh: bool | None = Field(description="null until loaded; false: knowledge changed since the build")
    build: str | None
    passages: int | None
    articles: list[str] = []
    model: str | None
    built_at: str | None
    error: str | None = Field(default=None, description="why the last rebuild failed, if it did")
    damaged: str | None = Field(default=None, description="a damaged build `current` points at, not loaded")


class ReplicaHealth(BaseModel):
    url: str
    up: bool
    since: str | None = Field(description="when it last went up or down (UTC)")
    why: str | None = Field(description="why it is down")


class RasaHealth(BaseModel):
    url: str
    reachable: bool = Field(description="whether any replica answers")
    replicas: list[ReplicaHealth] = []


class RedisHealth(BaseModel):
    configured: bool = Field(description="NEWSBOT_REDIS_URL is set: limits and Slack's delivery memory are shared")
    url: str | None = Field(description="without its password")
    ok: bool = Field(description="configured and answered the last time it was asked")
    error: str | None


class Health(BaseModel):
    status: str = Field(description='"ok", or "degraded" when the index is not loaded or Rasa does not answer')
    index: IndexHealth
    rasa: RasaHealth
    redis: RedisHealth | None = None


class ReindexResponse(BaseModel):
    built: bool
    message: str
    passages: int | None
    seconds: float | None
