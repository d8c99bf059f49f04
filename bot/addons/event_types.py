"""Event classes found by name from a table, not by walking every subclass.

Rasa 3.6's `Event.resolve_by_type` walks all of Event's subclasses (and checks each for abstract
methods) for every event it reads back: a conversation of 60 events walks the class tree 60
times on every turn. In a profile of one replica under bench/scale.py that was 6.4% of Rasa's
samples. Here the walk's answer is kept by name; a name not in the table is looked up the
original way (so a subclass imported since is found, and then kept too), and every name
resolves to what Rasa's own lookup returns: the class, None for the old "topic" events, the
default, or a ValueError.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event

_rasa_resolve_by_type = Event.resolve_by_type
_classes: dict[str, type[Event]] = {}


class _Unknown:
    """What Rasa's lookup returns, as its `default`, for a name it does not know."""


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    """As Rasa's `Event.resolve_by_type`, from the table when the name is in it."""
    found = _classes.get(type_name)
    if found is None:
        walked = _rasa_resolve_by_type(type_name, _Unknown)
        if walked is None or walked is _Unknown:  # "topic", or a name no class has
            return _rasa_resolve_by_type(type_name, default)
        _classes[type_name] = found = walked  # a dict assignment: atomic, and every thread's is the same
    return found


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
