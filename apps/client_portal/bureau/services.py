"""Debt imports and retention: the operations every door (portal, API, command) calls.

``start_import`` checks an upload (size, kind of content), keeps it, and queues
``run_import`` as a background job (inline where there is no Redis).
``run_import`` reads every record, checks it, stores good ones in batches inside
ONE transaction and keeps them only if no record was bad, the file was not
cancelled and the quota allows them: all or nothing per file. Re-importing a
file adds nothing (each record's hash is compared with the current version); a
changed record adds a version and keeps the old one as history.

Progress (records done of the total, rate, time left) and a cancel request go
through the cache, which every process shares where Redis is configured: the
import's own row cannot show them while its transaction is open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.client_portal.core import audit, jobs
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.files import safe_filename
from apps.client_portal.core.models import Organization
from apps.client_portal.core.tenancy import Access, Role

from . import importer, quota_hooks
from .metro2 import reader as m2reader
from .models import Debt, DebtIdentifier, DebtImport

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = getattr(settings, "BUREAU_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
BATCH = 1000
RETENTION_YEARS = 5
IMPORT_ROLE = Role.MEMBER
# Debts are furnished by companies: a private person's organization has none to import
# (the resources' for_kinds: no menu, every door answers as for what does not exist).
FOR_KINDS = (Organization.Kind.COMPANY,)


class Cancelled(Exception):
    pass


class _Rollback(Exception):
    pass


# ----------------------------------------------------------------------------- progress

def _progress_key(imp) -> str:
    return f"bureau:import:{imp.uuid}"


def _cancel_key(imp) -> str:
    return f"bureau:import-cancel:{imp.uuid}"


def progress(imp: DebtImport) -> dict:
    """Records done of the total, rate per second and seconds left, live while it runs."""
    done, total = imp.done_count, imp.total_count
    if imp.status == DebtImport.Status.RUNNING:
        live = cache.get(_progress_key(imp)) or {}
        done, total = live.get("done", done), live.get("total", total)
    total = max(total, done)
    rate = left = None
    if imp.started_at and done:
        end = imp.finished_at or timezone.now()
        seconds = max((end - imp.started_at).total_seconds(), 0.001)
        rate = done / seconds
        left = (total - done) / rate if imp.status == DebtImport.Status.RUNNING else 0
    percent = 100 if imp.status == DebtImport.Status.DONE else (
        int(done * 100 / total) if total else 0)
    return {"records_done": done, "records_total": total, "percent": min(percent, 100),
            "rate": rate, "seconds_left": left}


class _Progress:
    def __init__(self, imp, total: int, on_progress=None):
        self.imp = imp
        self.total = total
        self.done = 0
        self.last = 0.0
        self.on_progress = on_progress

    def step(self, done: int, force: bool = False):
        self.done = done
        now = time.monotonic()
        if force or now - self.last > 0.2:
            self.last = now
            cache.set(_progress_key(self.imp), {"done": done, "total": max(self.total, done)},
                      timeout=24 * 3600)
            if self.on_progress:
                self.on_progress(done, max(self.total, done))
            self.check()

    def check(self):
        """Raise ``Cancelled`` if someone asked to cancel the import."""
        if cache.get(_cancel_key(self.imp)):
            raise Cancelled


# ----------------------------------------------------------------------------- start

def _require_importer(access: Access):
    if access.organization is not None and access.organization.kind not in FOR_KINDS:
        raise Refused(code="not_found")
    if access.organization is None or not access.has_role(IMPORT_ROLE):
        raise Refused(code="forbidden")


def check_upload(upload, fmt: str) -> None:
    """Refuse a file that is missing, too large, or not what its format says."""
    if fmt not in (DebtImport.Format.CSV, DebtImport.Format.METRO2):
        raise Refused(fields={"format": [_("Choose CSV or Metro 2.")]})
    if upload is None:
        raise Refused(fields={"file": [_("Choose a file.")]})
    if upload.size > MAX_IMPORT_BYTES:
        raise Refused(fields={"file": [_("The file is larger than %(limit)s MB.") % {
            "limit": MAX_IMPORT_BYTES // (1024 * 1024)}]})
    if upload.size == 0:
        raise Refused(fields={"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if fmt == DebtImport.Format.CSV:
        reason = importer.sniff_csv(head)
        if reason:
            raise Refused(fields={"file": [importer.error_text({"code": reason})]})
    else:
        try:
            m2reader.detect(head)
        except m2reader.Metro2Error as exc:
            raise Refused(fields={"file": [exc.reason]}) from None


def start_import(*, access: Access, upload, fmt: str, currency: str = "MDL",
                 request=None, queue: bool = True) -> DebtImport:
    """Keep the upload and queue its import; answers at once with the queued import."""
    _require_importer(access)
    check_upload(upload, fmt)
    currency = (currency or "MDL").upper()
    if currency not in importer.CURRENCIES:
        raise Refused(fields={"currency": [_("Choose a known currency.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = safe_filename(getattr(upload, "name", "") or "upload")[:200]
    with transaction.atomic():
        imp = DebtImport(organization=access.organization, format=fmt, file_name=name,
                         size=upload.size, sha256=digest.hexdigest(), currency=currency,
                         created_by=access.user if getattr(access.user, "pk", None) else None)
        imp.file.save(name, upload, save=False)
        imp.save()
        audit.record("bureau.import_queued", obj=imp, organization=access.organization,
                     request=request, changes={"format": fmt, "file": name, "size": upload.size})
        if queue:
            jobs.enqueue(run_import, imp.pk)
    return imp


def add_debt(*, access: Access, data: dict, request=None) -> DebtImport:
    """The one-debt form: the same pipeline, one record, run at once."""
    _require_importer(access)
    imp = DebtImport.objects.create(
        organization=access.organization, format=DebtImport.Format.FORM, file_name="",
        created_by=access.user if getattr(access.user, "pk", None) else None)
    audit.record("bureau.import_queued", obj=imp, organization=access.organization,
                 request=request, changes={"format": "form"})
    _run(imp, records=lambda: iter([(1, data, [])]), normalize=importer.normalize_text_record,
         total=1)
    imp.refresh_from_db()
    return imp


def cancel_import(*, access: Access, imp: DebtImport, request=None) -> DebtImport:
    _require_importer(access)
    if imp.status not in DebtImport.ACTIVE:
        raise Refused(_("This import has already finished."), code="not_allowed")
    cache.set(_cancel_key(imp), True, timeout=24 * 3600)
    updated = DebtImport.objects.filter(pk=imp.pk, status=DebtImport.Status.QUEUED).update(
        status=DebtImport.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now())
    if not updated:
        DebtImport.objects.filter(pk=imp.pk).update(cancel_requested=True)
    audit.record("bureau.import_cancel", obj=imp, organization=imp.organization,
                 request=request)
    imp.refresh_from_db()
    return imp


# ----------------------------------------------------------------------------- run

def _estimate_total(imp: DebtImport) -> int:
    """Records in the file: counted (CSV lines) or estimated from the size (Metro 2)."""
    try:
        with imp.file.open("rb") as f:
            if imp.format == DebtImport.Format.CSV:
                lines = 0
                while chunk := f.read(1 << 20):
                    lines += chunk.count(b"\n")
                return max(lines - 1, 1)  # the header row is no record
            head = f.read(64)
            packed, _blocked = m2reader.detect(head)
            per_record = 366 if packed else 426
            return max(imp.size // per_record - 2, 1)
    except (OSError, m2reader.Metro2Error):
        return 0


def run_import(import_id: int, on_progress=None):
    """The background job: import the file of DebtImport ``import_id``."""
    imp = DebtImport.objects.filter(pk=import_id).first()
    if imp is None or imp.status != DebtImport.Status.QUEUED:
        return
    if cache.get(_cancel_key(imp)) or imp.cancel_requested:
        _finish(imp, DebtImport.Status.CANCELLED)
        return
    if imp.format == DebtImport.Format.CSV:
        def records():
            with imp.file.open("rb") as f:
                yield from importer.csv_records(f, max_bytes=MAX_IMPORT_BYTES)
        normalize = importer.normalize_text_record
    else:
        def records():
            with imp.file.open("rb") as f:
                for record in m2reader.read(f, max_bytes=MAX_IMPORT_BYTES):
                    if record.kind == "base":
                        yield record.number, record, []
        currency = imp.currency

        def normalize(number, record):
            return importer.normalize_metro2(record, currency)
    try:
        _run(imp, records=records, normalize=normalize, total=_estimate_total(imp),
             on_progress=on_progress)
    finally:
        if imp.file:
            imp.file.delete(save=False)  # the upload holds personal data: not kept
            DebtImport.objects.filter(pk=imp.pk).update(file="")


def _run(imp: DebtImport, *, records, normalize, total: int, on_progress=None):
    started = timezone.now()
    DebtImport.objects.filter(pk=imp.pk).update(status=DebtImport.Status.RUNNING,
                                                started_at=started, total_count=total)
    imp.status, imp.started_at, imp.total_count = DebtImport.Status.RUNNING, started, total
    prog = _Progress(imp, total, on_progress)
    state = {"errors": [], "error_count": 0, "imported": 0, "unchanged": 0, "done": 0}
    status = DebtImport.Status.DONE
    try:
        with transaction.atomic():
            _read_and_store(imp, records, normalize, prog, state)
            if state["error_count"]:
                raise _Rollback
            if state["imported"]:
                quota_hooks.take_records(imp.organization, state["imported"])
    except _Rollback:
        status = DebtImport.Status.REFUSED
    except Cancelled:
        status = DebtImport.Status.CANCELLED
    except KeyboardInterrupt:  # the command line's Ctrl-C: rolled back, say so
        state["imported"] = state["unchanged"] = 0
        _finish(imp, DebtImport.Status.CANCELLED, state)
        raise
    except importer.FileRefused as exc:
        status = DebtImport.Status.REFUSED
        _add_error(state, {**exc.error, "record": exc.error["record"] or state["done"] + 1})
    except m2reader.Metro2Error as exc:
        status = DebtImport.Status.REFUSED
        _add_error(state, importer.error(exc.record, exc.field, exc.value, exc.code,
                                         **exc.params))
    except Refused as exc:  # the quota
        status = DebtImport.Status.REFUSED
        _add_error(state, importer.error(0, "file", "", "quota", detail=str(exc)))
    except Exception:
        log.exception("debt import %s failed", imp.pk)
        status = DebtImport.Status.REFUSED
        _add_error(state, importer.error(0, "file", "", "internal"))
    if status != DebtImport.Status.DONE:
        state["imported"] = state["unchanged"] = 0
    _finish(imp, status, state)


def _add_error(state, err):
    state["error_count"] += 1
    if len(state["errors"]) < DebtImport.ERRORS_KEPT:
        state["errors"].append(err)


def _read_and_store(imp, records, normalize, prog, state):
    batch: list = []
    for number, raw, errors in records():
        state["done"] += 1
        if errors:
            for err in errors:
                _add_error(state, err)
        else:
            row, errors = normalize(number, raw)
            if errors:
                for err in errors:
                    _add_error(state, err)
            elif not state["error_count"]:
                batch.append(row)
        if len(batch) >= BATCH:
            store_rows(imp, batch, state)
            batch = []
            prog.check()
        if state["done"] % 100 == 0:
            prog.step(state["done"])
    if batch and not state["error_count"]:
        store_rows(imp, batch, state)
    prog.step(state["done"], force=True)


# The columns a stored version fills, in the order of the INSERT below.
_COLUMNS = ("uuid", "organization_id", "account_number", "version", "is_current", "deleted",
            "record_hash", "source_id", "created_at", "updated_at", *importer.STORED)


def _insert(rows: list[tuple], ids: list[tuple]):
    """Insert new versions and their identifiers with one ``executemany`` each.

    The ORM's ``bulk_create`` spent most of an import compiling SQL row by row; the
    values are what the ORM would store (the uuid as UUIDField stores it,
    dates as ISO text, money as Decimal). Only quoted table
    and column names of this module's models are written into the SQL; every value
    is a parameter.
    """
    quote = connection.ops.quote_name
    debt_table = quote(Debt._meta.db_table)
    names = ", ".join(quote(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {debt_table} ({names}) VALUES ({marks})",  # noqa: S608
                           rows)
        if ids:
            # The new rows' ids by their uuids (one query), then plain multi-row inserts:
            # an INSERT ... SELECT per identifier would be one round trip each on MariaDB.
            keys = list({key for _kind, _value, key in ids})
            found = {}
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                cursor.execute(
                    f"SELECT {quote('uuid')}, {quote('id')} FROM {debt_table} "  # noqa: S608
                    f"WHERE {quote('uuid')} IN ({', '.join(['%s'] * len(part))})", part)
                found.update((_uuid_key(k), pk) for k, pk in cursor.fetchall())
            id_table = quote(DebtIdentifier._meta.db_table)
            sql = (f"INSERT INTO {id_table} ({quote('debt_id')}, {quote('kind')}, "  # noqa: S608
                   f"{quote('value')}) VALUES (%s, %s, %s)")
            cursor.executemany(sql, [(found[_uuid_key(key)], kind, value)
                                     for kind, value, key in ids])


_DATES = frozenset(importer.DATE_FIELDS)


def _uuid_key(value) -> str:
    """A uuid as the database gives it back (text with or without dashes, or a UUID)."""
    return str(value).replace("-", "").lower()


def _preparers():
    fields = {f.column: f for f in Debt._meta.concrete_fields}
    return [(name, fields[name]) for name in _COLUMNS]


def store_rows(imp: DebtImport, rows: list, state: dict):
    """Store a batch of checked rows as new versions where they differ from the current."""
    org = imp.organization
    accounts = {row.account_number for row in rows}
    current = dict(Debt.objects.filter(organization=org, is_current=True,
                                       account_number__in=accounts)
                   .values_list("account_number", "record_hash"))
    current_pk = dict(Debt.objects.filter(organization=org, is_current=True,
                                          account_number__in=accounts)
                      .values_list("account_number", "pk")) if current else {}
    latest = dict(Debt.objects.filter(organization=org, account_number__in=accounts)
                  .values_list("account_number").annotate(Max("version")))
    prep = {name: field for name, field in _preparers()}
    now = timezone.now()
    stamp = prep["created_at"].get_db_prep_save(now, connection)
    # As UUIDField.get_db_prep_value stores it: the UUID itself, or its hex.
    native_uuid = connection.features.has_native_uuid_field
    new: dict = {}  # account -> (values, ids) of its newest version in this batch
    retire: list = []
    order: list = []
    for row in rows:
        account = row.account_number
        known = current.get(account)
        if row.delete and known is None:
            state["unchanged"] += 1
            continue
        if known is not None and not row.delete and known == row.record_hash:
            state["unchanged"] += 1
            continue
        version = latest.get(account, 0) + 1
        latest[account] = version
        if account in new:  # changed again within this batch: the earlier one is history
            values, ident = new[account]
            values["is_current"] = False
        elif account in current_pk:
            retire.append(current_pk.pop(account))
        key = uuid.uuid4()
        values = {"uuid": key if native_uuid else key.hex,
                  "organization_id": org.pk, "account_number": account, "version": version,
                  "is_current": not row.delete, "deleted": row.delete,
                  "record_hash": row.record_hash, "source_id": imp.pk,
                  "created_at": stamp, "updated_at": stamp}
        for name in importer.STORED:
            value = row.fields[name]
            # Dates as ISO text (as the ORM writes them on both backends); money as Decimal.
            values[name] = value.isoformat() if name in _DATES and value else value
        ident = [(kind, value, values["uuid"]) for kind, value in row.ids]
        new[account] = (values, ident)
        order.append((values, ident))
        current[account] = None if row.delete else row.record_hash
    if retire:
        Debt.objects.filter(pk__in=retire).update(is_current=False)
    if order:
        _insert([tuple(values[c] for c in _COLUMNS) for values, _ident in order],
                [i for _values, ident in order for i in ident])
    state["imported"] += len(order)


def _finish(imp: DebtImport, status: str, state: dict | None = None):
    state = state or {}
    now = timezone.now()
    done = state.get("done", 0)
    fields = {
        "status": status, "finished_at": now, "done_count": done,
        "total_count": done if state else imp.total_count,
        "imported": state.get("imported", 0), "unchanged": state.get("unchanged", 0),
        "error_report": state.get("errors", []),
    }
    DebtImport.objects.filter(pk=imp.pk).update(**fields)
    for key, value in fields.items():
        setattr(imp, key, value)
    cache.delete_many([_progress_key(imp), _cancel_key(imp)])
    if status == DebtImport.Status.DONE:
        action = "bureau.import_done"
    elif status == DebtImport.Status.REFUSED:
        action = "bureau.import_refused"
    else:
        action = "bureau.import_cancelled"
    audit.record(action, obj=imp, organization=imp.organization, actor=imp.created_by,
                 changes={"records": done, "imported": fields["imported"],
                          "unchanged": fields["unchanged"],
                          "errors": state.get("error_count", 0)})


def fail_stale_imports(older_than: dt.timedelta = dt.timedelta(hours=6)) -> int:
    """Mark refused the imports still "running" long after they started: their worker
    died (its transaction was rolled back, so nothing of them was stored)."""
    cutoff = timezone.now() - older_than
    stale = list(DebtImport.objects.filter(status=DebtImport.Status.RUNNING,
                                           started_at__lt=cutoff))
    for imp in stale:
        _finish(imp, DebtImport.Status.REFUSED,
                {"errors": [importer.error(0, "file", "", "internal")], "error_count": 1})
    return len(stale)


# ----------------------------------------------------------------------------- retention

def retention_cutoff(now=None) -> dt.datetime:
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year - RETENTION_YEARS, day=28)


def sweep_expired_debts(now=None) -> int:
    """Remove every version of each debt whose last update is over five years old.

    Law 122/2008 on credit history bureaus keeps credit history for five years from
    the last change; one audit event per furnisher says how many went.
    """
    cutoff = retention_cutoff(now)
    expired = (Debt.objects.values("organization_id", "account_number")
               .annotate(last=Max("updated_at")).filter(last__lt=cutoff))
    by_org: dict = {}
    for row in expired.iterator():
        by_org.setdefault(row["organization_id"], []).append(row["account_number"])
    removed = 0
    from apps.client_portal.core.models import Organization
    for org_id, accounts in by_org.items():
        with transaction.atomic():
            count = 0
            for start in range(0, len(accounts), 500):
                part = accounts[start:start + 500]
                qs = Debt.objects.filter(organization_id=org_id, account_number__in=part,
                                         updated_at__lt=cutoff)
                DebtIdentifier.objects.filter(debt__in=qs).delete()
                count += qs.delete()[1].get(Debt._meta.label, 0)
            audit.record("bureau.debts_expired", organization=Organization.objects.get(pk=org_id),
                         actor_label="retention",
                         changes={"accounts": len(accounts), "versions": count,
                                  "cutoff": cutoff.date().isoformat()})
            removed += count
    return removed
