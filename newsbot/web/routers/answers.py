"""POST /api/ask and GET /api/search: answers and retrieval without Rasa, for other programs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from newsbot.answering.compose import compose_answer
from newsbot.retrieval.search import MAX_QUESTION_CHARS, QuestionError, Searcher, SearchResult
from newsbot.web.deps import get_searcher, limit_client
from newsbot.web.errors import ApiError
from newsbot.web.rasa_gateway import paragraph_url
from newsbot.web.schemas import AskRequest, AskResponse, SearchResponse

router = APIRouter(prefix="/api", tags=["answers"], dependencies=[Depends(limit_client)])

ANSWER_CANDIDATES = 8
MAX_K = 20
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "invalid request, empty or too long question"},
    429: {"description": "too many requests from this address (see Retry-After)"},
}


def _searched(searcher: Searcher, question: str, k: int) -> SearchResult:
    try:
        return searcher.search(question, k=k)
    except QuestionError as error:
        raise ApiError(422, "invalid_question", f"The question cannot be searched: {error}.") from None


def _source(article: str, title: str, paragraph: int, speaker: str, text: str, score: float) -> dict[str, Any]:
    return {
        "article": article,
        "title": title,
        "paragraph": paragraph,
        "speaker": speaker,
        "text": text,
        "score": round(score, 4),
        "url": paragraph_url(article, paragraph),
    }


@router.post("/ask", response_model=AskResponse, responses=ERRORS)
def ask(request: AskRequest, searcher: Annotated[Searcher, Depends(get_searcher)]) -> dict[str, Any]:
    """The composed answer: the passages that answer the question, verbatim, each with its
    citation; `answerable` false when the articles do not say."""
    answer = compose_answer(_searched(searcher, request.question, ANSWER_CANDIDATES))
    return {
        "question": answer.question,
        "answerable": answer.answerable,
        "contested": answer.contested,
        "text": answer.text,
        "sources": [
            _source(p.citation.article, p.citation.title, p.citation.paragraph, p.citation.speaker, p.text, p.score)
            for p in answer.passages
        ],
    }


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
def search(
    searcher: Annotated[Searcher, Depends(get_searcher)],
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="how many passages")] = 5,
) -> dict[str, Any]:
    """The k passages that best match the question, best first, and whether the articles answer it."""
    result = _searched(searcher, q, k)
    return {
        "question": result.question,
        "answerable": result.answerable,
        "confidence": round(result.confidence, 4),
        "passages": [
            _source(h.passage.article, h.passage.title, h.passage.paragraph, h.passage.speaker, h.passage.text, h.score)
            for h in result.hits
        ],
    }
