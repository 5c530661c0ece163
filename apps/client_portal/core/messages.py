"""What the system writes for people, stored as a message id and its parameters.

A notification, a document's title or an audit event is read by people in
their own language, often long after it was written and by someone other than
the person whose request wrote it. So the record keeps a message id
(``"billing.payment_received"``) and its parameters, never the English
sentence, and ``render`` writes it out in the active language when it is read:
in a page, an API answer (the requester's language) or an email (the
recipient's).

Parameters are kept as JSON through ``params()``: a text, a number, or a typed
value that is formatted or translated when read (an amount as "1 234,50", a
date as "21.06.2026", a choice's label, another message). A module declares its
messages with ``declare`` at import time; the texts are ``gettext_lazy``
strings, so ``make messages`` finds them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

__all__ = ["Message", "declare", "get", "params", "render", "render_title", "render_body"]


@dataclass(frozen=True)
class Message:
    """A title (one line) and an optional body, each with ``%(name)s`` placeholders."""

    id: str
    title: object
    body: object = ""


_MESSAGES: dict[str, Message] = {}


def declare(message_id: str, title, body="") -> str:
    """Declare message ``message_id``; returns the id, to be stored on records."""
    _MESSAGES[message_id] = Message(message_id, title, body)
    return message_id


def get(message_id: str) -> Message | None:
    return _MESSAGES.get(message_id)


# --- parameters ---------------------------------------------------------------------
def choice(model, field_name: str, value) -> dict:
    """A choice stored by its code and shown by its label in the reader's language."""
    return {"t": "choice", "m": model._meta.label_lower, "f": field_name, "v": value}


def message(message_id: str, **kwargs) -> dict:
    """Another message (its title) as a parameter: "an invoice", "a credit note"."""
    return {"t": "msg", "id": message_id, "p": params(**kwargs)}


def _param(value):
    if isinstance(value, dict) or value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return {"t": "decimal", "v": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"t": "date", "v": value.isoformat()}
    return str(value)


def params(**kwargs) -> dict:
    """Parameters of a message, as JSON that keeps their kind."""
    return {key: _param(value) for key, value in kwargs.items()}


def _read(value, formatter):
    if not isinstance(value, dict):
        return "" if value is None else formatter(value)
    kind = value.get("t")
    if kind == "decimal":
        return formatter(decimal.Decimal(value["v"]))
    if kind == "datetime":
        return formatter(dt.datetime.fromisoformat(value["v"]))
    if kind == "date":
        return formatter(dt.date.fromisoformat(value["v"]))
    if kind == "choice":
        try:
            field = apps.get_model(value["m"])._meta.get_field(value["f"])
        except (LookupError, ValueError):
            return str(value.get("v", ""))
        return str(dict(field.flatchoices).get(value["v"], value["v"]))
    if kind == "msg":
        return render_title(value.get("id", ""), value.get("p") or {})
    return ""


def _fill(template, raw: dict) -> str:
    from .display import Formatter

    text = str(template)
    if "%(" not in text:
        return text
    formatter = Formatter()
    values = {key: _read(value, formatter) for key, value in (raw or {}).items()}
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        # A stored row older than its message (or one a migration gave no values): a
        # text with its placeholders showing would be worse than none.
        return ""


def render_title(message_id: str, raw: dict | None = None) -> str:
    found = _MESSAGES.get(message_id)
    return _fill(found.title, raw or {}) if found is not None else ""


def render_body(message_id: str, raw: dict | None = None) -> str:
    found = _MESSAGES.get(message_id)
    return _fill(found.body, raw or {}) if found is not None and found.body else ""


def render(message_id: str, raw: dict | None = None) -> tuple[str, str]:
    """(title, body) of a stored message in the active language."""
    return render_title(message_id, raw), render_body(message_id, raw)


# --- the messages of the core and of the modules that notify through it ---------------
# Declared here rather than in each module so that one place lists what the system may
# say to a client; a module may declare more with ``declare``.
PAYMENT_RECEIVED = declare(
    "billing.payment_received", _("Payment received"),
    _("We received your payment of %(amount)s %(currency)s. Thank you."))
DOCUMENT_PUBLISHED = declare(
    "billing.document_published", _("New document: %(kind)s %(number)s"),
    _("%(kind)s %(number)s of %(date)s: %(total)s %(currency)s, due %(due)s."))
INVOICE_READY = declare(
    "billing.invoice_ready", _("Your invoice is ready"),
    _("Your new invoice is in the portal. Open it to see the details and pay."))
CASE_ANSWERED = declare(
    "service.case_answered", _("A case was answered"),
    _("There is an answer to your case. Open it to read it."))
SIGNATURE_AWAITED = declare(
    "documents.signature_awaited", _("A document awaits your signature"),
    _("Open the document to read and sign it."))
READING_WINDOW = declare(
    "metering.reading_window", _("Meter reading window is open"),
    _("You can send your meter readings now."))
ROLE_CHANGED = declare(
    "people.role_changed", _("Your role changed"),
    _("Your role in %(org)s is now %(role)s."))
ACCESS_RESTORED = declare(
    "people.reactivated", _("Your access was restored"),
    _("You can again act for %(org)s in the portal."))
ACCESS_SUSPENDED = declare(
    "people.deactivated", _("Your access was suspended"),
    _("You can no longer act for %(org)s in the portal."))
FEEDBACK_REPLY_STAFF = declare(
    "feedback.staff_replied", _("We answered: %(subject)s"),
    _("There is a new answer to your message. Open it to read it."))
FEEDBACK_REPLY_CLIENT = declare(
    "feedback.client_replied", _("A client replied: %(subject)s"),
    _("%(organization)s wrote a new message about their feedback."))
DOCUMENT_TITLE = declare("documents.title", _("%(kind)s %(number)s"))
STATEMENT_TITLE = declare(
    "documents.statement_title", _("Statement of account %(start)s – %(end)s"))
