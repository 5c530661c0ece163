"""The audit log as an organization's Owner reads it: descriptions in their language
instead of action codes, a person's name, "label: old → new" instead of a dictionary,
no secrets or tokens, and times in the site's zone with the zone named."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone, translation

from apps.client_portal.core import audit, auditview
from apps.client_portal.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(demo, **kwargs):
    org = demo.organizations["northwind"]
    values = {"organization": org, "actor": demo.users["multi"],
              "actor_label": "Dana Dual <dual@example.com> @ Northwind Trading SRL (Member)",
              "at": dt.datetime(2026, 6, 21, 19, 48, tzinfo=dt.UTC)}
    values.update(kwargs)
    return AuditEvent.objects.create(**values)


def test_the_owner_reads_descriptions_names_and_changes_not_internals(demo, login):
    event = _event(demo, action="online-payments.callback.succeeded",
                   object_type="billing.paymentintent", object_repr="Payment attempt",
                   changes={"status": ["pending", "succeeded"], "gateway_token": "tok_live_123",
                            "secret": "s3cr3t", "api_key": "k-999",
                            "received": {"amount": "10.00", "signature": "abcdef"}})
    client = login(demo.users["owner"], demo.organizations["northwind"])
    page = client.get(f"/p/audit/{event.uuid}/").content.decode()
    assert "Online payment confirmed" in page
    assert "online-payments.callback" not in page
    for secret in ("tok_live_123", "s3cr3t", "k-999", "abcdef", "gateway_token"):
        assert secret not in page
    assert "Dana Dual" in page and "dual@example.com" not in page
    assert "{" not in page.split("<main", 1)[-1].split("</main>")[0]  # no dictionary
    # The status's labels, old → new; the received notice's amount without its signature.
    assert "→" in page and "Amount: 10.00" in page
    # 19:48 UTC is 22:48 in Bucharest in June, and the zone is named.
    assert "22:48 EEST" in page and "19:48" not in page
    # The list names it too (a recent copy, so that it is on the first page whatever
    # the demo's modules record).
    _event(demo, action="online-payments.callback.succeeded", at=timezone.now(),
           object_type="billing.paymentintent", object_repr="Payment attempt")
    listing = client.get("/p/audit/").content.decode()
    assert "Online payment confirmed" in listing and "online-payments." not in listing


def test_generated_operations_are_described_from_the_registry(demo):
    with translation.override("en"):
        assert auditview.describe(_event(demo, action="feedback.create")) == "Feedback created"
        assert auditview.describe(_event(demo, action="invoices.publish")) == (
            "Financial document: Publish")
        assert auditview.describe(_event(demo, action="billing.payment.allocate")) == (
            "Payment allocated to documents")
        # An action no one described is not shown by its code.
        assert auditview.describe(_event(demo, action="x.internal.step")) == "Other event"
    with translation.override("ro"):
        assert auditview.describe(_event(demo, action="feedback.mark_answered")) != (
            "feedback.mark_answered")


def test_changes_use_field_labels_and_choice_labels(demo):
    event = _event(demo, action="people.change_role", object_type="core.membership",
                   changes={"role": ["viewer", "member"], "person": "x@example.com",
                            "password": "hunter2", "is_active": [True, False]})
    with translation.override("en"):
        rows = dict(auditview.changes(event))
    assert rows["Role"] == "Viewer → Member"
    assert rows["Active"] == "Yes → No"
    assert "hunter2" not in str(rows) and "Password" not in rows


def test_a_membership_is_named_by_its_person(demo):
    from apps.client_portal.core.models import Membership

    membership = Membership.objects.get(user=demo.users["multi"],
                                        organization=demo.organizations["northwind"])
    event = audit.record("people.change_role", obj=membership)
    assert event.object_repr == "Dana Dual"
    old = _event(demo, action="people.change_role",
                 object_repr="Dana Dual <dual@example.com> @ Northwind Trading SRL (Member)")
    assert auditview.subject(old) == "Dana Dual"


def test_the_person_is_a_name(demo):
    assert auditview.person(_event(demo)) == "Dana Dual"
    assert auditview.person(_event(demo, actor=None, actor_label="system")) == "System"
    assert auditview.person(_event(demo, actor=None, actor_label="unknown:bob")) == (
        "Unknown person")
    assert auditview.person(_event(demo, actor=None, actor_label="API key Ops (ab12)")) == (
        "API key Ops (ab12)")


def test_the_title_of_an_event_is_in_the_sites_zone(demo):
    event = _event(demo, action="login")
    with timezone.override("Europe/Bucharest"), translation.override("en"):
        assert str(event) == "2026-06-21 22:48 Signed in"


def test_recording_still_keeps_the_raw_evidence(demo):
    event = audit.record("billing.payment.allocate", organization=demo.organizations["northwind"],
                         changes={"gateway_token": "t", "amount": "1.00"})
    event.refresh_from_db()
    assert event.action == "billing.payment.allocate" and event.changes["gateway_token"] == "t"


def test_addresses_settings_keys_and_storage_folders_stay_internal(demo):
    event = _event(demo, action="online-payments.start", object_type="billing.paymentintent",
                   object_repr="Payment attempt",
                   changes={"redirect_url": [None, "https://pay.example.com/trnRequest/tok123"],
                            "gateway": "p24", "field": "attachment",
                            "file_name": "feedback/0f3a/9c1d/report.pdf"})
    with translation.override("en"):
        text = auditview.changes_text(event)
    assert "tok123" not in text and "trnRequest" not in text
    assert "p24" not in text and "attachment" not in text
    assert "feedback/" not in text and "report.pdf" in text


# Every action the code can record, found in the source: audit.record("..."), with its
# f-strings resolved (module constants, local variables and the arguments a helper is
# called with). An expression this walk cannot resolve fails the test, so a new way of
# naming an action has to be taught here rather than slip by.
APPS = Path(__file__).resolve().parents[2] / "apps"
# Built from the registry (core/operations.py), described by auditview._generated().
GENERATED = {"resource.slug", "action.name"}


def _is_record(node) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "record"
            and isinstance(func.value, ast.Name) and func.value.id == "audit")


class _Actions:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(), str(path))
        self.parents = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent

    def _function(self, node):
        while node is not None and not isinstance(node, (ast.FunctionDef,
                                                         ast.AsyncFunctionDef)):
            node = self.parents.get(node)
        return node

    def _where(self, node) -> str:
        return f"{self.path.relative_to(APPS.parent)}:{node.lineno}"

    def _assigned(self, name: str, scope) -> list:
        values = []
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        values.append(node.value)
        return values

    def _argument(self, name: str, function) -> list:
        """What the callers in this module pass for ``function``'s parameter ``name``."""
        params = [a.arg for a in function.args.args]
        if name not in params:
            return []
        index = params.index(name) - (1 if params and params[0] == "self" else 0)
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                    node.func, "id", None)
                if callee == function.name:
                    found.append(node.args[index])
        return found

    def values(self, node, at) -> set:
        """Every string ``node`` (an expression inside the call ``at``) can be."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.values(node.body, at) | self.values(node.orelse, at)
        if isinstance(node, ast.JoinedStr):
            results = {""}
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    options = self.values(part.value, at)
                else:
                    options = {part.value}
                results = {r + o for r in results for o in options}
            return results
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(
                node.slice, ast.Constant):
            function = self._function(at)
            found = set()
            for value in self._assigned(node.value.id, function):
                if isinstance(value, ast.Tuple):
                    found |= self.values(value.elts[node.slice.value], at)
            if found:
                return found
        if isinstance(node, ast.Name):
            function = self._function(at)
            found = set()
            if function is not None:
                for value in self._assigned(node.id, function):
                    if not (isinstance(value, ast.Constant) and value.value is None):
                        found |= self.values(value, value)
                for value in self._argument(node.id, function):
                    found |= self.values(value, value)
            for value in self._assigned(node.id, self.tree):
                if self._function(value) is None:  # a module constant
                    found |= self.values(value, value)
            if found:
                return found
        if ast.unparse(node) in GENERATED:
            return {"<generated>"}
        raise AssertionError(f"{self._where(at)}: cannot tell which actions "
                             f"{ast.unparse(node)!r} records; teach this test")

    def actions(self) -> dict:
        found = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _is_record(node):
                for action in self.values(node.args[0], node):
                    found.setdefault(action, self._where(node))
        return found


def recorded_actions() -> dict:
    """{action: where it is recorded} for every action in apps/ (registry ones aside)."""
    found = {}
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for action, where in _Actions(path).actions().items():
            if "<generated>" not in action:
                found.setdefault(action, where)
    return found


def test_the_walk_finds_the_actions_made_of_parts():
    actions = recorded_actions()
    # Literal, f-string of a module constant and a local, a local set in branches,
    # a tuple's first item, a helper's argument, and both sides of a condition.
    for action in ("login", "online-payments.start", "online-payments.callback.bad_signature",
                   "online-payments.callback.cancelled", "activation_code.expired",
                   "sso.unknown_identity", "feedback.reopen", "people.deactivate",
                   "people.reactivate", "admin.create", "admin.update"):
        assert action in actions, action
    assert len(actions) > 60


def test_every_action_the_code_records_has_its_own_description(demo):
    event = _event(demo, action="")
    fallbacks = {str(auditview.OTHER), str(auditview.CALLBACK_OTHER)}
    seen = {}
    with translation.override("en"):
        for action, where in sorted(recorded_actions().items()):
            event.action = action
            text = auditview.describe(event)
            assert text not in fallbacks, f"{action} ({where}) has no description"
            assert text not in seen, f"{action} and {seen[text]} read the same: {text!r}"
            seen[text] = action
        # The client's own Cancel at the gateway reads as what it was.
        event.action = "online-payments.callback.cancelled"
        assert auditview.describe(event) == "Online payment cancelled at the payment service"
