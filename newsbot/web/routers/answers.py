"""POST /api/ask and GET /api/search: answers and retrieval without Rasa, for other programs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from newsbot.channels.widget import message_json, source_json
from newsbot.dialogue import conversation
from newsbot.retrieval.search import MAX_QUESTION_CHARS, QuestionError, Searcher, SearchResult, source_of
from newsbot.web.deps import get_searcher, limit_client, scoped_to
from newsbot.web.errors import ApiError
from newsbot.web.schemas import ARTICLE_DESCRIPTION, ARTICLE_PATTERN, AskRequest, AskResponse, SearchResponse

router = APIRouter(prefix="/api", tags=["answers"], dependencies=[Depends(limit_client)])

MAX_K = 20
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "invalid request, empty or too long question, unknown article"},
    429: {"description": "too many requests from this address (see Retry-After)"},
}


def _searched(searcher: Searcher, question: str, k: int) -> SearchResult:
    try:
        return searcher.search(question, k=k)
    except QuestionError as error:
        raise ApiError(422, "invalid_question", f"The question cannot be searched: {error}.") from None


@router.post("/ask", response_model=AskResponse, responses=ERRORS)
def ask(request: AskRequest, searcher: Annotated[Searcher, Depends(get_searcher)]) -> dict[str, Any]:
    """The composed answer: the passages that answer the question, verbatim, each with its
    citation; `answerable` false when the articles do not say (with questions they do answer)."""
    searcher = scoped_to(searcher, request.article)
    try:
        reply = conversation.ask(searcher, request.question)
    except QuestionError as error:
        raise ApiError(422, "invalid_question", f"The question cannot be searched: {error}.") from None
    return {"question": reply.question, "suggestions": list(reply.suggestions), **message_json(reply)}


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
def search(
    searcher: Annotated[Searcher, Depends(get_searcher)],
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="how many passages")] = 5,
    article: Annotated[str | None, Query(pattern=ARTICLE_PATTERN, description=ARTICLE_DESCRIPTION)] = None,
) -> dict[str, Any]:
    """The k passages that best match the question, best first, and whether the articles answer it."""
    result = _searched(scoped_to(searcher, article), q, k)
    return {
        "question": result.question,
        "answerable": result.answerable,
        "confidence": round(result.confidence, 4),
        "passages": [source_json(source_of(hit)) for hit in result.hits],
    }
