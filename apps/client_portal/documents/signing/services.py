"""Signatures as a service of ``documents``: the API other modules call.

    from apps.client_portal.documents.signing import services as signing
    req = signing.request_signatures(contract_pdf, title="Contract 2026/14",
                                     signers=[[{"role": "owner"}], [{"provider": True}]],
                                     deadline=now + timedelta(days=14), by=staff_user)

``signers`` is a list of steps, signed in order; a step is a list of signers who
may sign in any order: ``{"role": "manager"}`` (any member of the organization
with at least that role), ``{"user": user}`` (that person) or ``{"provider": True}``.

Every door (the portal page, the API, a link copied to someone else) reaches a
signature through ``sign`` here, which checks whose turn it is on the locked row.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core import audit, messages, notify
from apps.client_portal.core.context import client_ip
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.models import Membership
from apps.client_portal.core.tenancy import Role, role_rank
from apps.client_portal.documents.models import StoredFile
from apps.client_portal.documents.services import store_bytes

from . import pdf
from .models import ConsentText, EvidenceEvent, SignatureRequest, Signer

GENESIS = "0" * 64
# Seeding the demo asks nobody to sign: no notices (see ``without_notices``).
_quiet = contextvars.ContextVar("signing_quiet", default=False)
CONSENT_KEY = "signing"
# The statement of a signature with one's own certificate (no drawn image): its own key.
CONSENT_KEY_CERTIFICATE = "signing-certificate"

TO_SIGN = messages.declare(
    "signing.to_sign", _("A document awaits your signature"),
    _("%(title)s is ready for you to sign."))
SIGNED_ALL = messages.declare(
    "signing.sealed", _("A document is signed"),
    _("%(title)s is signed by everyone; the signed PDF is in your documents."))
DECLINED = messages.declare(
    "signing.declined", _("A signature was declined"),
    _("A signer declined to sign %(title)s."))
SIGNED_TITLE = messages.declare("signing.signed_title", _("Signed: %(title)s"))


@contextlib.contextmanager
def without_notices():
    """Requests made and signed inside send no notices (the demo's seeding)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def _later(callback) -> None:
    if not _quiet.get():
        transaction.on_commit(callback)


# --- set-up --------------------------------------------------------------------------
def current_consent(language: str | None = None, key: str = CONSENT_KEY) -> ConsentText | None:
    """The newest consent statement, in ``language`` if there is one, else in English
    (a certificate's statement, else the general one)."""
    texts = ConsentText.objects.filter(key=key).order_by("-version")
    lang = (language or get_language() or "en").split("-")[0]
    found = texts.filter(language=lang).first() or texts.filter(language="en").first()
    if found is None and key != CONSENT_KEY:
        return current_consent(language)
    return found


def consent_for(req, language: str | None = None) -> ConsentText | None:
    """``req``'s consent statement (its key and version) in the reader's language, if
    written in it; else as the request names it. Its own hash is what the signer confirms."""
    if not req.consent_id:
        return None
    lang = (language or get_language() or "en").split("-")[0]
    if req.consent.language == lang:
        return req.consent
    return ConsentText.objects.filter(key=req.consent.key, version=req.consent.version,
                                      language=lang).first() or req.consent


def verify_url(req=None) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "") or ""
    return f"{base}{reverse('signing:verify')}"


def _signer_rows(req, steps) -> list[Signer]:
    rows = []
    if not steps or not all(steps):
        raise Refused(_("A signature request needs at least one signer in each step."))
    for number, step in enumerate(steps, start=1):
        for position, spec in enumerate(step, start=1):
            row = Signer(request=req, step=number, position=position,
                         field_name=f"signer-{number}-{position}",
                         status=Signer.Status.PENDING if number == 1 else Signer.Status.WAITING)
            if spec.get("provider"):
                row.kind = Signer.Kind.PROVIDER
            elif spec.get("user") is not None:
                user = spec["user"]
                if not Membership.objects.filter(user=user,
                                                 organization=req.organization).exists():
                    raise Refused(_("%(name)s is not a member of the organization.")
                                  % {"name": user.display_name})
                if any(other.step == number and other.kind == Signer.Kind.USER
                       and other.user_id == user.pk for other in rows):
                    raise Refused(_("%(name)s is named twice in the same step.")
                                  % {"name": user.display_name})
                row.kind, row.user = Signer.Kind.USER, user
            elif spec.get("role") in Role.values:
                row.kind, row.role = Signer.Kind.ROLE, spec["role"]
            else:
                raise Refused(_("Each signer is a role, a person or the provider."))
            rows.append(row)
    return rows


def request_signatures(document: StoredFile, *, signers: list[list[dict]], title: str = "",
                       deadline: dt.datetime | None = None, method: str = "drawn",
                       source: str = "", remind_every_days: int = 3, by=None,
                       request=None) -> SignatureRequest:
    """Ask for signatures on ``document``: the evidence page appended, the provider certifies.

    Refused if the document is not a PDF or the timestamp server does not answer;
    then nothing is kept.
    """
    if document.content_type != "application/pdf":
        raise Refused(_("Only a PDF document can be signed."))
    with document.file.open("rb") as handle:
        original = handle.read()
    with transaction.atomic():
        req = SignatureRequest(
            organization=document.organization, document=document,
            title=(title or document.display_title)[:200], source=source, method=method,
            deadline=deadline, remind_every_days=remind_every_days, created_by=by,
            consent=current_consent("en", CONSENT_KEY_CERTIFICATE
                                    if method == SignatureRequest.Method.CERTIFICATE
                                    else CONSENT_KEY),
            reference=secrets.token_hex(8),
        )
        rows = _signer_rows(req, signers)
        labels = [(row.field_name, _slot_label(row)) for row in rows]
        prepared = pdf.prepare(original, title=req.title, reference=req.reference,
                               verify_url=verify_url(req), slots=labels)
        req.working.save("prepared.pdf", ContentFile(prepared), save=False)
        req.save()
        for row in rows:
            row.request = req
            row.save()
        add_event(req, EvidenceEvent.Kind.CREATED, user=by, request=request,
                  data={"document_sha256": document.sha256, "steps": len(signers),
                        "prepared_sha256": hashlib.sha256(prepared).hexdigest()})
        audit.record("signatures.create", obj=req, organization=req.organization,
                     changes={"document": str(document.uuid), "signers": len(rows)},
                     actor=by, request=request)
        _later(lambda: _notify_turn(req))
    return req


def _slot_label(row: Signer) -> str:
    if row.kind == Signer.Kind.PROVIDER:
        return f"Step {row.step}: provider"
    if row.kind == Signer.Kind.USER:
        return f"Step {row.step}: {row.user.display_name}"
    return f"Step {row.step}: {row.role}"


# --- evidence ------------------------------------------------------------------------
def provider_name() -> str:
    """How the evidence names the provider: its own name, the same in every language
    (what is kept in the hash-chained trail is read, never translated)."""
    return str(getattr(settings, "PROVIDER_NAME", "") or "Provider")[:200]


def add_event(req, kind, *, signer=None, user=None, actor="", request=None, data=None,
              at=None) -> EvidenceEvent:
    """Append an event to ``req``'s chain (the caller holds the request's row lock)."""
    last = req.events.order_by("-seq").values_list("seq", "hash").first()
    if user is not None and not getattr(user, "is_authenticated", True):
        user = None
    event = EvidenceEvent(
        request=req, seq=(last[0] + 1) if last else 1, kind=kind, signer=signer, user=user,
        actor=actor or (user.display_name if user is not None else ""),
        at=at or timezone.now(),
        ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        data=data or {}, prev_hash=last[1] if last else GENESIS,
    )
    event.hash = event.compute_hash()
    event.save()
    return event


def verify_chain(req) -> dict:
    """Recompute ``req``'s chain: ``{"intact": bool, "events": n, "broken_at": seq | None}``.

    Reads the request's (possibly prefetched) events and signers: no query per event.
    """
    signers = {row.id: row for row in req.signers.all()}
    previous, count = GENESIS, 0
    for event in sorted(req.events.all(), key=lambda e: e.seq):
        count += 1
        event.request = req
        event.signer = signers.get(event.signer_id)
        if event.prev_hash != previous or event.compute_hash() != event.hash \
                or event.seq != count:
            return {"intact": False, "events": count, "broken_at": event.seq}
        previous = event.hash
    return {"intact": True, "events": count, "broken_at": None}


def record_view(req, *, access, request=None) -> None:
    """A signer opened the signing page: viewed, and the consent statement shown (the
    first time this person opens it)."""
    with transaction.atomic():
        req = SignatureRequest.objects.select_for_update().get(pk=req.pk)
        # Once per person and request: reloading the page does not grow the chain.
        if access.user is not None and req.events.filter(
                kind=EvidenceEvent.Kind.VIEWED, user=access.user).exists():
            return
        add_event(req, EvidenceEvent.Kind.VIEWED, user=access.user, request=request)
        shown = consent_for(req)
        if shown is not None:
            add_event(req, EvidenceEvent.Kind.CONSENT_SHOWN, user=access.user, request=request,
                      data={"consent_sha256": shown.sha256, "version": shown.version,
                            "language": shown.language})


# --- whose turn ----------------------------------------------------------------------
def may_sign(signer: Signer, access) -> bool:
    """Whether ``access`` is the person ``signer`` names (turn aside)."""
    if signer.kind == Signer.Kind.PROVIDER:
        return access.is_provider and access.user is not None
    if access.is_provider or access.organization is None:
        return False
    if access.organization.pk != signer.request.organization_id:
        return False
    if signer.kind == Signer.Kind.USER:
        return access.user is not None and access.user.pk == signer.user_id
    return role_rank(access.role) >= role_rank(signer.role)


def signer_for(req, access) -> Signer:
    """The signature ``access`` may give now, or a refusal that says why not."""
    if req.status != SignatureRequest.Status.OPEN:
        raise Refused(_("This document is no longer open for signing."), code="not_allowed")
    if req.deadline and req.deadline < timezone.now():
        raise Refused(_("The deadline for signing this document has passed."),
                      code="not_allowed")
    rows = list(req.signers.all())
    done_by_me = access.user is not None and any(
        row.signed_by_id == access.user.pk for row in rows)
    mine = [row for row in rows if may_sign(row, access)]
    if not mine:
        raise Refused(_("You are not among the signers of this document."), code="forbidden")
    # The slot naming the person first: a role slot beside it is someone else's to take.
    for row in sorted(mine, key=lambda row: (row.kind != Signer.Kind.USER, row.step,
                                             row.position)):
        if row.status == Signer.Status.PENDING and not done_by_me:
            return row
    if done_by_me:
        raise Refused(_("You have already signed this document."), code="not_allowed")
    if any(row.status == Signer.Status.WAITING for row in mine):
        raise Refused(_("An earlier signer has not signed yet; you can sign once they have."),
                      code="not_allowed")
    raise Refused(_("This signature has already been given."), code="not_allowed")


def turn_of(req, access) -> Signer | None:
    try:
        return signer_for(req, access)
    except Refused:
        return None


# --- signing -------------------------------------------------------------------------
def _when_text(at: dt.datetime, zone_name: str) -> str:
    text = f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
    try:
        zone = zoneinfo.ZoneInfo(zone_name) if zone_name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is not None and zone_name != "UTC":
        text += f" ({at.astimezone(zone):%Y-%m-%d %H:%M:%S} {zone_name})"
    return text


def _lock(req):
    return SignatureRequest.objects.select_for_update().select_related(
        "consent", "document", "organization").get(pk=req.pk)


def _check_consent(req, signer, consent_sha256: str) -> None:
    """The statement confirmed: the request's, in any language it is written in; kept on
    ``signer`` (the text this person read)."""
    if not req.consent_id or signer.kind == Signer.Kind.PROVIDER:
        return
    confirmed = None
    if consent_sha256:
        confirmed = ConsentText.objects.filter(
            key=req.consent.key, version=req.consent.version, sha256=consent_sha256).first()
    if confirmed is None:
        raise Refused(_("Please read the consent statement and confirm it before signing."),
                      fields={"consent": [_("Confirm the consent statement.")]})
    signer.consent = confirmed


def _working_bytes(req) -> bytes:
    with req.working.open("rb") as handle:
        return handle.read()


def sign(req, *, access, image_png: bytes | None = None, typed_name: str = "",
         consent_sha256: str = "", timezone_name: str = "", request=None) -> SignatureRequest:
    """``access`` signs ``req`` now (drawn image, else a typed name; the provider with its key).

    The order, the consent and the signer are checked on the locked row; the
    signature is added to the PDF incrementally; the last one seals. Refused
    (the timestamp server down, a bad image): nothing is kept, the file and the
    state are as before, and the person may try again.
    """
    with transaction.atomic():
        req = _lock(req)
        signer = signer_for(req, access)
        provider = signer.kind == Signer.Kind.PROVIDER
        if req.method == SignatureRequest.Method.CERTIFICATE and not provider:
            raise Refused(_("This document is signed with your own certificate."),
                          code="not_allowed")
        _check_consent(req, signer, consent_sha256)
        return _sign_row(req, signer, access=access, image_png=image_png,
                         typed_name=typed_name, timezone_name=timezone_name, request=request)


def _sign_row(req, signer, *, access, image_png=None, typed_name="", timezone_name="",
              request=None) -> SignatureRequest:
    """Add ``signer``'s signature (checked by the caller, the row locked) to the PDF."""
    provider = signer.kind == Signer.Kind.PROVIDER
    typed_name = (typed_name or "").strip()[:200]
    if not provider and not image_png and not typed_name:
        raise Refused(_("Draw your signature, or type your name."),
                      fields={"signature": [_("Draw your signature, or type your name.")]})
    if image_png and len(image_png) > 512 * 1024:
        raise Refused(_("The drawn signature is too large."), code="invalid")
    now = timezone.now()
    name = access.user.display_name if access.user is not None else provider_name()
    shown = typed_name if (typed_name and not image_png) else name
    signed = pdf.sign_for(_working_bytes(req), field=signer.field_name, signer_name=name,
                          reason=f"Signed by {name}" + (f" as '{typed_name}'"
                                                        if typed_name else ""),
                          when=f"{shown}\n{_when_text(now, timezone_name)}",
                          image_png=image_png)
    from . import keys

    cert = keys.material().provider_cert
    signer.method = (Signer.Method.PROVIDER if provider else
                     Signer.Method.DRAWN if image_png else Signer.Method.TYPED)
    signer.image_sha256 = hashlib.sha256(image_png).hexdigest() if image_png else ""
    signer.certificate_subject = cert.subject.human_friendly[:300]
    signer.certificate_issuer = cert.issuer.human_friendly[:300]
    signer.certificate_serial = format(cert.serial_number, "X")[:80]
    return _signed(req, signer, signed, access=access, request=request, now=now,
                   timezone_name=timezone_name, data={"typed_name": typed_name})


def _signed(req, signer, signed: bytes, *, access, request, now, timezone_name="",
            data=None, sent=False) -> SignatureRequest:
    """``signer``'s signature is in ``signed``: keep it, move to the next step, or seal."""
    provider = signer.kind == Signer.Kind.PROVIDER
    signer.status = Signer.Status.SIGNED
    signer.signed_by = access.user
    signer.signer_name = (access.user.display_name if access.user is not None
                          else provider_name())[:200]
    signer.signed_at = now
    signer.signer_timezone = (timezone_name or "")[:64]
    signer.ip = client_ip(request) if request is not None else None
    signer.user_agent = (request.META.get("HTTP_USER_AGENT", "")
                         if request is not None else "")[:300]
    if provider or not req.consent_id:
        signer.consent = None
    elif signer.consent_id is None:
        signer.consent = req.consent
    signer.consent_sha256 = signer.consent.sha256 if signer.consent_id else ""
    signer.pending_state = None
    signer.save()
    details = {"method": signer.method, "timezone": signer.signer_timezone,
               "image_sha256": signer.image_sha256, "consent_sha256": signer.consent_sha256,
               "certificate_subject": signer.certificate_subject,
               "certificate_issuer": signer.certificate_issuer,
               "certificate_serial": signer.certificate_serial,
               "pdf_sha256": hashlib.sha256(signed).hexdigest(), **(data or {})}
    add_event(req, EvidenceEvent.Kind.SIGNED, signer=signer, user=access.user,
              actor=signer.signer_name, request=request, at=now, data=details)
    if sent:  # the signer's own signature, sent to the provider and received here
        add_event(req, EvidenceEvent.Kind.SENT, signer=signer, user=access.user,
                  request=request)
        add_event(req, EvidenceEvent.Kind.RECEIVED, signer=signer,
                  actor=provider_name(), data={"pdf_sha256": details["pdf_sha256"]})
    final = None
    step_rows = [row for row in req.signers.all() if row.step == req.current_step]
    if all(row.status == Signer.Status.SIGNED for row in step_rows):
        later = [row for row in req.signers.all() if row.step > req.current_step]
        if later:
            req.current_step = min(row.step for row in later)
            Signer.objects.filter(request=req, step=req.current_step).update(
                status=Signer.Status.PENDING)
            _later(lambda: _notify_turn(req))
        else:
            final = pdf.seal(signed, evidence=evidence_text(req, signed))
    req.working.save("signed.pdf", ContentFile(signed), save=False)
    if final is not None:
        req.final = store_bytes(
            organization=req.organization, data=final, kind=req.document.kind,
            name=f"signed-{req.document.name}", title_message="signing.signed_title",
            title_params=messages.params(title=req.title), content_type="application/pdf")
        req.status = SignatureRequest.Status.SEALED
        req.sealed_at = timezone.now()
        add_event(req, EvidenceEvent.Kind.SEALED, actor=provider_name(),
                  data={"final_sha256": req.final.sha256})
        _later(lambda: _notify_sealed(req))
    req.save()
    audit.record("signatures.sign", obj=req, organization=req.organization,
                 changes={"signer": signer.field_name, "method": signer.method,
                          "sealed": final is not None},
                 actor=access.user, request=request)
    if final is None and not provider and provider_pending(req):
        req = _provider_signs_now(req, request=request)
    return req


# --- the provider's own signature ------------------------------------------------------
def provider_pending(req) -> bool:
    """Whether it is the provider's turn to sign ``req`` (its key is on the server)."""
    return req.status == SignatureRequest.Status.OPEN and any(
        row.kind == Signer.Kind.PROVIDER and row.status == Signer.Status.PENDING
        for row in Signer.objects.filter(request=req, step=req.current_step))


def _provider_signs_now(req, *, request=None) -> SignatureRequest:
    """The client's signature is kept; the provider signs at once when its turn comes.

    A refusal (the timestamp server down) leaves the provider's signature pending,
    audited; the back office's "Sign as the provider" tries again.
    """
    try:
        with transaction.atomic():
            return sign_as_provider(req, request=request)
    except Refused as exc:
        audit.record("signatures.provider_pending", obj=req, organization=req.organization,
                     changes={"error": str(exc.message)[:300]}, request=request)
        return SignatureRequest.objects.get(pk=req.pk)


def sign_as_provider(req, *, by=None, request=None) -> SignatureRequest:
    """Sign every pending provider slot of ``req``'s current step with the provider's key.

    The signatures after it follow (and the seal, when it is the last one); refused
    with the reason if it is not the provider's turn or the timestamp server is down.
    """
    from apps.client_portal.core.tenancy import Access

    with transaction.atomic():
        req = _lock(req)
        if not provider_pending(req):
            raise Refused(_("It is not the provider's turn to sign this document."),
                          code="not_allowed")
        access = Access.provider(user=by)
        while provider_pending(req):
            signer = next(row for row in Signer.objects.filter(
                request=req, step=req.current_step, kind=Signer.Kind.PROVIDER,
                status=Signer.Status.PENDING))
            req = _sign_row(req, signer, access=access, request=request)
            req = _lock(req)
        return req


# --- the signer's own certificate ----------------------------------------------------
def _own_certificate_signer(req, access, consent_sha256=None):
    signer = signer_for(req, access)
    if signer.kind == Signer.Kind.PROVIDER:
        raise Refused(_("The provider signs with its own key."), code="not_allowed")
    if req.method != SignatureRequest.Method.CERTIFICATE:
        raise Refused(_("Draw your signature, or type your name."), code="not_allowed")
    if consent_sha256 is not None:
        _check_consent(req, signer, consent_sha256)
    return signer


def certificate_prepare(req, *, access, certs_der: list[bytes], consent_sha256: str = "",
                        request=None) -> dict:
    """Prepare ``access``'s signature with their own key (kept in their browser).

    Returns what the browser signs: ``to_sign`` (base64 DER of the CMS signed
    attributes), ``hash``, ``key_type`` and ``curve``; the rest of the state is kept
    on the signer's row until ``certificate_finish``.
    """
    from .crypto import pades

    with transaction.atomic():
        req = _lock(req)
        signer = _own_certificate_signer(req, access, consent_sha256)
        name = access.user.display_name if access.user is not None else ""
        state = pades.prepare(_working_bytes(req), field_name=signer.field_name,
                              certs_der=certs_der, reason=f"Signed by {_latinish(name)}",
                              name=_latinish(name))
        # Kept per person: co-signers who may take this slot prepare side by side, and
        # each finishes only the session they prepared.
        sessions = dict(signer.pending_state["sessions"]) \
            if _keyed(signer.pending_state) else {}
        sessions[_session_key(access)] = state
        # The statement each person confirmed (in their language), beside the MAC'd state.
        consents = dict(signer.pending_state.get("consents") or {}) \
            if _keyed(signer.pending_state) else {}
        consents[_session_key(access)] = signer.consent_id
        signer.pending_state = {"sessions": sessions, "consents": consents}
        signer.save(update_fields=["pending_state"])
    return {key: state[key] for key in ("to_sign", "hash", "key_type", "curve")}


def _keyed(pending) -> bool:
    return isinstance(pending, dict) and isinstance(pending.get("sessions"), dict)


def _session_key(access) -> str:
    return str(access.user.pk) if access.user is not None else "-"


def _latinish(text: str) -> str:
    return pdf._latin(text)


def certificate_finish(req, *, access, signature: bytes, timezone_name: str = "",
                       request=None) -> SignatureRequest:
    """Embed the browser's signature, check it, and carry on as any signature does."""
    from .crypto import pades

    with transaction.atomic():
        req = _lock(req)
        signer = _own_certificate_signer(req, access)
        sessions = (signer.pending_state or {}).get("sessions", {}) \
            if _keyed(signer.pending_state) else {}
        state = sessions.get(_session_key(access))
        if not state or state.get("field_name") != signer.field_name:
            raise Refused(_("The signing session is not valid. Please start signing again."),
                          code="not_allowed")
        if state.get("original_sha256") != hashlib.sha256(_working_bytes(req)).hexdigest():
            raise Refused(_("The document changed while you were signing (someone else "
                            "signed it). Please sign again."), code="conflict")
        signed = pades.finish(state, signature)
        confirmed = (signer.pending_state.get("consents") or {}).get(_session_key(access))
        if confirmed:
            signer.consent = ConsentText.objects.filter(pk=confirmed).first()
        info = pades.signer_info(signed, signer.field_name)
        _certificate_facts(signer, info, Signer.Method.CERTIFICATE)
        return _signed(req, signer, signed, access=access, request=request,
                       now=timezone.now(), timezone_name=timezone_name, sent=True)


def _certificate_facts(signer, info, method):
    signer.method = method
    signer.certificate_subject = info.subject[:300]
    signer.certificate_issuer = info.issuer[:300]
    signer.certificate_serial = info.serial[:80]
    signer.image_sha256 = ""


def certificate_upload(req, *, access, data: bytes, consent_sha256: str = "",
                       request=None) -> SignatureRequest:
    """A PDF the signer signed in their own tool, or a detached ``.p7s`` of our PDF."""
    from .crypto import uploads

    with transaction.atomic():
        req = _lock(req)
        signer = _own_certificate_signer(req, access, consent_sha256)
        working = _working_bytes(req)
        extra = {}
        if data.startswith(b"%PDF-"):
            info = uploads.check_signed_pdf(working, data, field_name=signer.field_name)
            signed = data
        else:
            info = uploads.check_p7s(working, data)
            signed = working
            kept = store_bytes(organization=req.organization, data=data,
                               name=f"signature-{signer.field_name}.p7s",
                               kind=StoredFile.Kind.UPLOAD, title=f"{req.title} (.p7s)",
                               content_type="application/pkcs7-signature", by=access.user)
            extra = {"p7s_sha256": kept.sha256}
        _certificate_facts(signer, info, Signer.Method.UPLOAD)
        return _signed(req, signer, signed, access=access, request=request,
                       now=timezone.now(), data={"uploaded": info.method, **extra}, sent=True)


def evidence_text(req, signed_pdf: bytes) -> str:
    """The evidence page's text: the document, each signer, the consent, the events."""
    lines = [
        f"Document ID: {req.reference}   Title: {req.title}",
        f"Original SHA-256: {req.document.sha256}",
        f"Signed content SHA-256 (before this seal): {hashlib.sha256(signed_pdf).hexdigest()}",
        "The final file's SHA-256 is recorded by the issuing site; check it on the "
        "verification page.",
        f"Consent text: version {req.consent.version if req.consent_id else '-'} "
        f"SHA-256 {req.consent.sha256 if req.consent_id else '-'}",
        "",
        "Signers:",
    ]
    for row in req.signers.all():
        lines.append(
            f"- Step {row.step}: {row.signer_name or row.label} ({row.get_method_display()}); "
            f"signed {_when_text(row.signed_at, row.signer_timezone) if row.signed_at else '-'}; "
            f"IP {row.ip or '-'}; browser {row.user_agent[:80] or '-'}")
        lines.append(f"  Certificate: {row.certificate_subject or '-'}; issuer "
                     f"{row.certificate_issuer or '-'}; serial {row.certificate_serial or '-'}; "
                     f"consent SHA-256 {row.consent_sha256 or '-'}")
    lines += ["", "Events:"]
    for event in req.events.order_by("seq"):
        lines.append(f"{event.seq}. {event.at:%Y-%m-%d %H:%M:%S} UTC {event.kind} "
                     f"{event.actor or ''} {event.ip or ''} #{event.hash[:16]}")
        if event.data.get("p7s_sha256"):
            lines.append(f"   detached signature (.p7s) kept beside this PDF, SHA-256 "
                         f"{event.data['p7s_sha256']}")
    return "\n".join(lines)


def decline(req, *, access, reason: str = "", request=None) -> SignatureRequest:
    with transaction.atomic():
        req = SignatureRequest.objects.select_for_update().get(pk=req.pk)
        signer = signer_for(req, access)
        signer.status = Signer.Status.DECLINED
        signer.signed_by = access.user
        signer.save(update_fields=["status", "signed_by"])
        req.status = SignatureRequest.Status.DECLINED
        req.save(update_fields=["status"])
        add_event(req, EvidenceEvent.Kind.DECLINED, signer=signer, user=access.user,
                  request=request, data={"reason": reason[:500]})
        audit.record("signatures.decline", obj=req, organization=req.organization,
                     changes={"status": ["open", "declined"]}, actor=access.user,
                     request=request)
        _later(lambda: _notify_declined(req))
    return req


# --- reminders -----------------------------------------------------------------------
def _turn_users(req):
    users = []
    for row in req.signers.filter(step=req.current_step, status=Signer.Status.PENDING):
        if row.kind == Signer.Kind.USER:
            users.append(row.user)
        elif row.kind == Signer.Kind.ROLE:
            users += [m.user for m in Membership.objects.filter(
                organization=req.organization).select_related("user")
                if role_rank(m.role) >= role_rank(row.role)]
    seen, unique = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            unique.append(user)
    return unique


def _notify_turn(req):
    notify.notify(_turn_users(req), req.organization, message=TO_SIGN,
                  params=messages.params(title=req.title), obj=req)


def _notify_sealed(req):
    users = [m.user for m in Membership.objects.filter(organization=req.organization)
             .select_related("user")]
    notify.notify(users, req.organization, message=SIGNED_ALL,
                  params=messages.params(title=req.title), obj=req, email=False)


def _notify_declined(req):
    if req.created_by_id:
        notify.notify([req.created_by], req.organization, message=DECLINED,
                      params=messages.params(title=req.title), obj=req, email=True)


def remind(req, *, by=None) -> None:
    """Remind those whose turn it is (the staff's Resend, and the reminder job)."""
    req.last_reminded_at = timezone.now()
    SignatureRequest.objects.filter(pk=req.pk).update(last_reminded_at=req.last_reminded_at)
    add_event(req, EvidenceEvent.Kind.REMINDED, user=by,
              actor="" if by else provider_name())
    _later(lambda: _notify_turn(req))


def send_reminders(now: dt.datetime | None = None) -> int:
    """The reminder job: requests past their deadline expire; the others due a reminder get one."""
    now = now or timezone.now()
    count = 0
    for req in SignatureRequest.objects.filter(status=SignatureRequest.Status.OPEN):
        with transaction.atomic():
            req = SignatureRequest.objects.select_for_update().get(pk=req.pk)
            if req.deadline and req.deadline < now:
                req.status = SignatureRequest.Status.EXPIRED
                req.save(update_fields=["status"])
                audit.record("signatures.expire", obj=req, organization=req.organization,
                             changes={"status": ["open", "expired"]})
                continue
            last = req.last_reminded_at or req.created_at
            if req.remind_every_days and now - last >= dt.timedelta(days=req.remind_every_days):
                remind(req)
                audit.record("signatures.remind", obj=req, organization=req.organization)
                count += 1
    return count


# --- verification --------------------------------------------------------------------
def verify_pdf(data: bytes) -> dict:
    """What the verification page and API answer for an uploaded file."""
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise Refused(_("This file is not a PDF."), code="invalid")
    signatures = [{key: value for key, value in entry.items() if key != "field"}
                  for entry in pdf.verify(data)]
    digest = hashlib.sha256(data).hexdigest()
    issued = SignatureRequest.objects.filter(final__sha256=digest).exists()
    return {"signatures": signatures, "issued_here": issued}
