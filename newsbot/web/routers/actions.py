"""POST /webhook: Rasa's action endpoint, served by rasa-sdk's ActionExecutor inside this app, so
one process holds the model and the index for the chat, the API and the bot's actions."""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk import utils
from rasa_sdk.executor import ActionExecutor, ActionMissingDomainException
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

logger = logging.getLogger(__name__)

router = APIRouter(tags=["rasa"])


def action_executor() -> ActionExecutor:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


def from_loopback(request: Request) -> bool:
    return request.client is not None and loopback(request.client.host)


@lru_cache(maxsize=64)
def loopback(host: str) -> bool:
    """Whether the address is a loopback one (parsing it was 3% of a turn's samples in the web app)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.post("/webhook", include_in_schema=False)
async def webhook(request: Request) -> JSONResponse:
    """Run the action Rasa asks for (the rasa-sdk action server protocol)."""
    if not (request.app.state.settings.webhook_allow_remote or from_loopback(request)):
        return JSONResponse({"error": "the action webhook answers the local Rasa server only"}, status_code=403)
    try:
        action_call: Any = await request.json()
    except ValueError:
        action_call = None
    if not isinstance(action_call, dict):
        return JSONResponse({"error": "Invalid body request"}, status_code=400)
    utils.check_version_compatibility(action_call.get("version"))
    # bot/endpoints.yml enables Rasa's selective domain: Rasa 3.6 then sends no domain (and no
    # digest, which rasa-sdk 3.21 would ask for with a 449 that Rasa 3.6 does not know). The
    # actions never read the domain, so an empty one stands in.
    action_call.setdefault("domain", {})
    executor: ActionExecutor = request.app.state.executor
    try:
        result = await executor.run(action_call)
    except ActionExecutionRejection as error:
        logger.debug("%s", error)
        return JSONResponse({"error": error.message, "action_name": error.action_name}, status_code=400)
    except ActionNotFoundException as error:
        logger.error("%s", error)
        return JSONResponse({"error": error.message, "action_name": error.action_name}, status_code=404)
    except ActionMissingDomainException as error:
        return JSONResponse({"error": error.message, "action_name": error.action_name}, status_code=449)
    return JSONResponse(result.model_dump() if result else None)
