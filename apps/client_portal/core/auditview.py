"""The audit log as people read it: what happened, who did it, what changed.

An audit event keeps its action code (``billing.payment.allocate``) and the raw
changes as evidence; a client's Owner reads them on ``/p/audit/`` through these
functions, in their own language: a description instead of the code, a person's
name instead of the stored label, "Amount: 10.00 → 12.00" instead of a
dictionary, with secrets and tokens left out, and times in the site's zone with
the zone named.
"""

from __future__ import annotations

import decimal
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from .display import Formatter

# Actions written outside the generated operations (those are described from the
# registry: "<resource> created", "<resource>: <action>").
DESCRIPTIONS = {
    "login": _("Signed in"),
    "logout": _("Signed out"),
    "logout.idle": _("Signed out after a time without activity"),
    "login_failed": _("Sign-in failed"),
    "download": _("File downloaded"),
    "organization.switch": _("Switched organization"),
    "sessions.end_others": _("Other sessions ended"),
    "account.update": _("Profile changed"),
    "account.password_change": _("Password changed"),
    "account.language": _("Language changed"),
    "account.data_report": _("Personal data report requested"),
    "mfa.added": _("Two-step sign-in turned on"),
    "mfa.removed": _("Two-step sign-in turned off"),
    "mfa.reset": _("Two-step sign-in reset"),
    "mfa.used": _("Two-step sign-in code accepted"),
    "mfa.failed": _("Two-step sign-in code refused"),
    "mfa.email_code_sent": _("Sign-in code sent by email"),
    "mfa.email_code_unavailable": _("Sign-in code by email unavailable"),
    "sso.signed_in": _("Signed in through single sign-on"),
    "sso.linked": _("Single sign-on account linked"),
    "sso.failed": _("Single sign-on failed"),
    "activation_code.issue": _("Activation code issued"),
    "activation_code.use": _("Activation code used"),
    "activation_code.revoke": _("Activation code revoked"),
    "activation_code.link_sent": _("Activation link sent"),
    "activation_code.throttled": _("Too many activation attempts"),
    "access_grant.sent": _("Access granted"),
    "access_grant.failed": _("Access could not be granted"),
    "people.invite": _("Person invited"),
    "people.change_role": _("Role changed"),
    "people.deactivate": _("Access turned off"),
    "people.reactivate": _("Access turned on again"),
    "billing.document.create": _("Document created"),
    "billing.payment.record": _("Payment recorded"),
    "billing.payment.allocate": _("Payment allocated to documents"),
    "billing.statement": _("Statement of account made"),
    "billing.import": _("Import done"),
    "billing.import.repeat": _("Import repeated: nothing new"),
    "billing.import.refused": _("Import refused"),
    "billing.pdf_batch.start": _("PDF batch started"),
    "billing.pdf_batch.run": _("PDF batch running"),
    "billing.pdf_batch.finish": _("PDF batch finished"),
    "billing.pdf_batch.cancel": _("PDF batch cancelled"),
    "invoices.zip": _("Invoices downloaded together"),
    "documents.upload": _("Document uploaded"),
    "webhooks.disable": _("Webhook turned off"),
    "notifications.mark_all_read": _("All notifications marked as read"),
    "feedback.reply": _("Reply sent"),
    "feedback.reopen": _("Feedback reopened"),
    "admin.create": _("Created in the back office"),
    "admin.update": _("Changed in the back office"),
    "admin.delete": _("Deleted in the back office"),
    "online-payments.start": _("Online payment started"),
    "online-payments.reuse": _("Online payment resumed"),
    "online-payments.cancel": _("Online payment cancelled"),
    "online-payments.expire": _("Online payment expired"),
    "online-payments.gateway_error": _("Payment service unavailable"),
    "online-payments.callback.succeeded": _("Online payment confirmed"),
    "online-payments.callback.failed": _("Online payment failed"),
    "online-payments.callback.late_failure": _("Online payment failed after confirmation"),
    "online-payments.callback.replay": _("Payment confirmation repeated"),
    "online-payments.callback.cancelled": _("Online payment cancelled at the payment service"),
    # Notices from the payment service that were refused or ignored: their detail is
    # the staff's, in the back office; the client reads what became of the notice.
    "online-payments.callback.ignored": _("Payment service notice ignored: nothing to do"),
    "online-payments.callback.unknown_gateway": _(
        "Notice from an unknown payment service refused"),
    "online-payments.callback.bad_signature": _(
        "Payment service notice refused: its signature did not match"),
    "online-payments.callback.unknown_intent": _(
        "Payment service notice refused: no such online payment"),
    "online-payments.callback.wrong_amount": _(
        "Payment service notice refused: the amount did not match"),
    "online-payments.callback.verify_failed": _(
        "Payment could not be checked with the payment service yet"),
    "activation_code.wrong": _("Activation refused: the code does not match the email address"),
    "activation_code.used": _("Activation refused: the code was already used"),
    "activation_code.expired": _("Activation refused: the code had expired"),
    "activation_code.taken": _("Activation refused: the client account already has a login"),
    "sso.refused_inactive": _("Single sign-on refused: the account is turned off"),
    "sso.unknown_identity": _("Single sign-on refused: no account for this identity"),
}
# Notices from the payment service of a kind not described above (older records).
CALLBACK_PREFIX = "online-payments.callback."
CALLBACK_OTHER = _("Payment service notice not accepted")
OTHER = _("Other event")

# Parts of a key whose value is never shown: the key names the secret.
SECRET_PARTS = {"token", "secret", "password", "passwd", "key", "signature", "hmac", "otp",
                "salt", "pin", "totp", "cvv", "iban_full"}
# Not secret words, but what they hold is: an address may carry a gateway's token
# (redirect_url), and settings keys and field names are internals ("p24", "attachment").
# An amount as the audit keeps it ("2070.56"): shown as the reader writes amounts.
_AMOUNT = re.compile(r"-?\d+\.\d{2}")
INTERNAL_PARTS = {"url", "gateway", "field"}
# Stored file names carry their storage folders; the reader sees the file's own name.
PATH_KEYS = {"file_name", "file", "path", "stored_name"}

# Keys of changes that are not a field of the object.
KEY_LABELS = {
    "count": _("Number"),
    "format": _("Format"),
    "field": _("File"),
    "file": _("File name"),
    "login": _("Sign-in name"),
    "query": _("Filters"),
    "size": _("Size (bytes)"),
    "sha256": _("SHA-256"),
    "changed": _("Changed"),
    "role": _("Role"),
    "language": _("Language"),
    "amount": _("Amount"),
    "currency": _("Currency"),
    "reference": _("Reference"),
    "date": _("Date"),
    "status": _("Status"),
}


def _generated() -> dict:
    """Descriptions of each resource's operations, from the registry (built once)."""
    global _GENERATED
    if _GENERATED is None:
        from .registry import registry

        found = {}
        for resource in registry:
            name = resource.verbose_name()
            found[f"{resource.slug}.create"] = (_("%(name)s created"), {"name": name})
            found[f"{resource.slug}.update"] = (_("%(name)s changed"), {"name": name})
            found[f"{resource.slug}.export"] = (_("%(name)s exported"), {"name": name})
            for action in resource.actions:
                found[f"{resource.slug}.{action.name}"] = (
                    _("%(name)s: %(action)s"), {"name": name, "action": action.label})
        _GENERATED = found
    return _GENERATED


_GENERATED = None
_ALL = None


def _descriptions() -> dict:
    """DESCRIPTIONS above, and each app's own: ``<app>.audit_labels.DESCRIPTIONS``.

    A domain module describes the actions it records beside its code, so that
    a new domain never edits this file.
    """
    global _ALL
    if _ALL is None:
        from importlib import import_module

        found = dict(DESCRIPTIONS)
        for config in apps.get_app_configs():
            if not config.name.startswith("apps.client_portal."):
                continue
            try:
                module = import_module(f"{config.name}.audit_labels")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.audit_labels":
                    raise
                continue
            found.update(module.DESCRIPTIONS)
        _ALL = found
    return _ALL


def describe(event) -> str:
    """What happened, in the active language; never the action code."""
    action = event.action or ""
    text = _descriptions().get(action)
    if text is not None:
        return str(text)
    generated = _generated().get(action)
    if generated is not None:
        template, values = generated
        return str(template) % {key: capfirst(str(value)) for key, value in values.items()}
    if action.startswith(CALLBACK_PREFIX):
        return str(CALLBACK_OTHER)
    return str(OTHER)


def person(event) -> str:
    """Who acted, as a name: "Dana Dual", not the stored "Dana Dual <dual@...> @ ..."."""
    label = (event.actor_label or "").strip()
    if not label or label == "system":
        return _g("System")
    if label.startswith("unknown"):
        return _g("Unknown person")
    if label.startswith("sso:"):
        return _g("Single sign-on")
    return label.split(" <", 1)[0].split(" @ ", 1)[0].strip() or label


def subject(event) -> str:
    """What the event was about; a person by name (rows written before names were kept
    carry "Name <email> @ Organization (Role)")."""
    label = (event.object_repr or "").strip()
    return label.split(" <", 1)[0].split(" @ ", 1)[0].strip() or label


def when(event) -> str:
    """The time in the site's zone, with the zone named: "21.06.2026 22:48 EEST"."""
    if event.at is None:
        return ""
    local = timezone.localtime(event.at)
    return f"{Formatter()(local)} {local.strftime('%Z')}".strip()


def is_secret(key: str) -> bool:
    """Whether the value of ``key`` stays off client pages: a secret, or an internal."""
    parts = str(key).lower().replace("-", "_").split("_")
    return (any(part in SECRET_PARTS or part in INTERNAL_PARTS for part in parts)
            or "token" in str(key).lower())


def _model(event):
    try:
        return apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        return None


def _field(model, key):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None


def _label(model, key) -> str:
    field = _field(model, key)
    if field is not None:
        return str(capfirst(field.verbose_name))
    known = KEY_LABELS.get(key)
    return str(known) if known is not None else str(capfirst(str(key).replace("_", " ")))


def _value(model, key, value, formatter) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{_label(None, k)}: {_value(None, k, v, formatter)}"
                         for k, v in value.items() if not is_secret(k))
    if isinstance(value, list):
        return ", ".join(_value(model, key, v, formatter) for v in value)
    if value not in (None, ""):
        field = _field(model, key)
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
    if value is None or value == "":
        return "—"
    if key in PATH_KEYS and isinstance(value, str):
        value = value.rstrip("/").rsplit("/", 1)[-1]
    if isinstance(value, str) and _AMOUNT.fullmatch(value):
        value = decimal.Decimal(value)  # an amount kept as text: the reader's format
    return formatter(value)


def changes(event) -> list[tuple[str, str]]:
    """``[(label, "old → new" or value)]`` without secrets, in the active language."""
    raw = event.changes or {}
    if not isinstance(raw, dict):
        return []
    model = _model(event)
    formatter = Formatter()
    rows = []
    for key, value in raw.items():
        if is_secret(key):
            continue
        label = _label(model, key)
        if isinstance(value, list) and len(value) == 2 and not any(
                isinstance(v, (list, dict)) for v in value):
            old, new = (_value(model, key, v, formatter) for v in value)
            rows.append((label, f"{old} → {new}"))
        else:
            rows.append((label, _value(model, key, value, formatter)))
    return rows


def changes_text(event) -> str:
    return "\n".join(f"{label}: {value}" for label, value in changes(event))
