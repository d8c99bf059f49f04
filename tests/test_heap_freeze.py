"""The servers' loaded objects are left out of the garbage collector's full passes once loaded:
the web app's after its index and model, Rasa's after its model (an after_server_start listener
of the REST channel, which Rasa runs once the model is loaded)."""

from __future__ import annotations

import gc

import pytest
from conftest import AppFactory
from rasa_support import run_in_rasa

from newsbot.serving.supervisor import RASA


def test_the_web_app_freezes_what_it_loaded(make_client: AppFactory) -> None:
    before = gc.get_freeze_count()
    client = make_client()
    assert client.get("/").status_code == 200
    assert gc.get_freeze_count() > before  # the app's searcher, model and index among them


CHANNEL = r"""
import asyncio, gc
from addons.channels import GuardedRestInput, freeze_loaded_heap

async def on_new_message(message):
    return None

blueprint = GuardedRestInput.from_credentials(None).blueprint(on_new_message)
listeners = [(listener.listener, listener.event) for listener in blueprint._future_listeners]
assert (freeze_loaded_heap, "after_server_start") in listeners, listeners
assert gc.get_freeze_count() == 0
asyncio.run(freeze_loaded_heap())
assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()  # Rasa's modules at least
print("ok")
"""


@pytest.mark.skipif(not RASA.is_file(), reason="the Rasa environment is not set up")
def test_rasas_channel_freezes_the_loaded_server_once_it_starts() -> None:
    completed = run_in_rasa(CHANNEL)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip().endswith("ok"), completed.stdout
