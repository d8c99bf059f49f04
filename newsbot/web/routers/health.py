"""GET /healthz: the index (loaded, fresh or stale), whether Rasa answers (each replica), and Redis."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from newsbot.retrieval.service import SearcherSource, current_build
from newsbot.web.deps import get_rasa, get_redis, get_source
from newsbot.web.rasa_gateway import RasaGateway
from newsbot.web.schemas import Health
from newsbot.web.shared_state import RedisStatus

router = APIRouter(tags=["health"])


def index_health(source: SearcherSource) -> dict[str, Any]:
    searcher = source.current()
    if searcher is None:
        return {
            "loaded": False, "fresh": None, "build": current_build(source.index_dir), "passages": None,
            "model": None, "built_at": None, "error": source.last_error, "damaged": source.damaged,
        }  # fmt: skip
    manifest = searcher.index.manifest
    return {
        "loaded": True,
        "fresh": not source.stale(),
        "build": searcher.index.folder.name,
        "passages": len(searcher.index.passages),
        "articles": list(manifest.get("articles", [])),
        "model": manifest.get("model"),
        "built_at": manifest.get("built_at"),
        "error": source.last_error,
        "damaged": source.damaged,
    }


@router.get("/healthz", response_model=Health, responses={503: {"model": Health, "description": "degraded"}})
async def healthz(
    source: Annotated[SearcherSource, Depends(get_source)],
    rasa: Annotated[RasaGateway, Depends(get_rasa)],
    redis: Annotated[RedisStatus, Depends(get_redis)],
) -> JSONResponse:
    """200 when the index is loaded and Rasa answers; 503 with the same body otherwise."""
    index = index_health(source)
    reachable = await rasa.reachable()
    healthy = index["loaded"] and reachable
    body = {
        "status": "ok" if healthy else "degraded",
        "index": index,
        "rasa": {"url": rasa.base_url, "reachable": reachable, "replicas": rasa.health()},
        "redis": redis.health(),
    }
    return JSONResponse(Health.model_validate(body).model_dump(), status_code=200 if healthy else 503)
