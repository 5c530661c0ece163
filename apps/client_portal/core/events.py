"""Events: what happened to a record, for whoever listens (outgoing webhooks).

The operations layer emits one event per change: ``<slug>.created``,
``<slug>.updated`` and ``<slug>.<action>``; modules emit their own (a payment
received, an import done) through ``emit``. An event is sent to listeners only
when the transaction that made the change commits, so a refused or rolled-back
change never announces itself. Listeners connect to ``event_emitted``; the API
module's webhooks are one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Sent with event=<Event> after the emitting transaction commits.
event_emitted = Signal()

# Event types emitted outside the generated operations: (type, description).
_EXTRA_TYPES: dict[str, Any] = {}


@dataclass(frozen=True)
class Event:
    type: str
    organization: Any | None  # None: the provider's own event
    data: dict
    at: Any = field(default_factory=timezone.now)


def declare(event_type: str, description) -> str:
    """Declare an event type a module emits itself (shown where webhooks are set up)."""
    _EXTRA_TYPES[event_type] = description
    return event_type


def emit(event_type: str, *, organization=None, data: dict | None = None) -> Event:
    event = Event(type=event_type, organization=organization, data=data or {})
    transaction.on_commit(lambda: event_emitted.send(sender=Event, event=event))
    return event


def event_types(registry) -> list[tuple[str, Any]]:
    """Every event type: those of each resource's operations, then the declared ones."""
    found = []
    for resource in registry:
        name = resource.verbose_name()
        if resource.create_fields:
            found.append((f"{resource.slug}.created", _("%(name)s created") % {"name": name}))
        if resource.edit_fields:
            found.append((f"{resource.slug}.updated", _("%(name)s changed") % {"name": name}))
        for action in resource.actions:
            found.append((f"{resource.slug}.{action.name}",
                          _("%(name)s: %(action)s") % {"name": name, "action": action.label}))
    found.extend(sorted(_EXTRA_TYPES.items()))
    return found
