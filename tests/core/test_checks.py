"""A bad resource declaration stops ``manage.py check`` with a message that names it.

Each test declares one faulty ``Resource`` on an existing model, registers it under
a fresh slug, and runs the system checks the way ``manage.py check`` does. The
error must carry the right id (``client_portal.E0xx``) and name the resource
class, the attribute and the bad value on one line, so that whoever misspelt it
finds the spot without reading the checks. The faulty classes are unregistered
afterwards: no other test sees them.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test.utils import isolate_apps
from django.urls import get_resolver
from django_fsm import transition

from apps.client_portal.billing.models import FinancialDocument
from apps.client_portal.core.checks import check_resources
from apps.client_portal.core.models import Feedback, Notification, Organization
from apps.client_portal.core.registry import Action, Preset, Resource, computed, registry
from apps.client_portal.core.tenancy import ScopedQuerySet

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _urls_built_before():
    """The API router is built from the registry when the URLconf is first imported:
    import it now, so that a faulty resource registered below never gets routes."""
    assert get_resolver().url_patterns


@pytest.fixture
def register():
    """``register(cls)`` adds a resource for this test only (and any duplicate it records)."""
    added = []
    duplicates = list(registry.duplicates)

    def _register(resource):
        registry.register(resource)
        added.append(resource)
        return resource

    try:
        yield _register
    finally:
        for resource in added:
            registry.unregister(resource)
        registry.duplicates[:] = duplicates


def _check_error(resource, number: int | None) -> str:
    """The line of ``manage.py check``'s report with error ``number`` (None: any of
    client_portal's) about ``resource``."""
    with pytest.raises(SystemCheckError) as info:
        call_command("check")
    report = str(info.value)
    code = f"(client_portal.E{number:03d})" if number else "(client_portal.E"
    lines = [line for line in report.splitlines()
             if code in line and f"{resource.__name__} ({resource.__module__})" in line]
    assert lines, f"no {code} about {resource.__name__} in:\n{report}"
    return "\n".join(lines)


def _feedback(name, **attrs):
    """A resource on Feedback with a fresh slug; ``attrs`` hold the mistake."""
    return type(name, (Resource,), {"__module__": __name__, "model": Feedback,
                                    "slug": f"check-{name.lower()}", **attrs})


def test_the_real_registry_passes_the_checks():
    """The shipped declarations are clean: ``manage.py check`` raises nothing."""
    assert check_resources() == []
    call_command("check")


def _case(attr, value, number, *words):
    bad = value if isinstance(value, str) else value[-1]
    return pytest.param(attr, value, number, words, id=f"E{number:03d}-{attr}-{bad}")


@pytest.mark.parametrize("attr,value,number,words", [
    _case("list_columns", ["subject", "subjekt"], 2, "list_columns", "'subjekt'"),
    _case("detail_fields", ["subject", "anwser"], 3, "detail_fields", "'anwser'"),
    _case("api_fields", ["subject", "auhtor"], 3, "api_fields", "'auhtor'"),
    _case("lookup_field", "slug", 3, "lookup field", "'slug'"),
    _case("filters", ["kind", "statuss"], 4, "filters", "'statuss'"),
    _case("search_fields", ["subject", "author__emial"], 5, "search_fields",
          "'author__emial'"),
    _case("search_fields", ["subject__body"], 5, "search_fields", "'subject__body'"),
    _case("ordering", ["-created"], 6, "ordering", "'-created'"),
    _case("ordering_fields", ["subject", "sent_at"], 6, "ordering", "'sent_at'"),
    _case("create_fields", ["subject", "created_at"], 7, "create_fields", "'created_at'"),
    _case("edit_fields", ["uuid"], 7, "edit_fields", "'uuid'"),
    _case("create_fields", ["subject", "author"], 8, "create_fields", "'author'",
          "has no resource"),
    _case("files", ["subject"], 12, "files", "'subject'"),
    _case("read_role", "boss", 15, "read_role", "'boss'"),
    _case("edit_role", "Manager", 15, "edit_role", "'Manager'"),
    _case("list_columns", ["subject", "kind", "subject"], 17, "list_columns", "subject"),
])
def test_a_bad_name_stops_check(register, attr, value, number, words):
    """A misspelt column, field, filter, search path, ordering, form field, file or role,
    a link to a model without a resource in a form, a column listed twice: each is an
    error naming the resource, the attribute and the value."""
    resource = register(_feedback(f"Bad{attr.title().replace('_', '')}E{number}",
                                  **{attr: value}))
    line = _check_error(resource, number)
    for word in words:
        assert word in line


def test_an_extra_filter_not_listed_in_filters_stops_check(register):
    """A custom filter declared in ``extra_filters`` but missing from ``filters``."""
    import django_filters

    resource = register(_feedback("BadExtraFilter", filters=["kind"],
                                  extra_filters={"kinds": django_filters.CharFilter()}))
    assert "extra_filters declares 'kinds'" in _check_error(resource, 4)


def test_a_preset_without_a_name_stops_check(register):
    resource = register(_feedback("BadPreset", presets=[Preset("", "Open")]))
    assert "preset" in _check_error(resource, 9)


def test_a_misspelt_action_name_stops_check(register):
    """An action whose method is not on the model: its button would silently disappear."""
    resource = register(_feedback("BadActionName",
                                  actions=[Action("withdrow", "Withdraw")]))
    line = _check_error(resource, 10)
    assert "action 'withdrow'" in line
    assert "core.Feedback.withdrow()" in line


def test_an_action_method_that_is_not_callable_stops_check(register):
    """``method=`` naming a field instead of a method."""
    resource = register(_feedback("BadActionField",
                                  actions=[Action("close", "Close", method="status")]))
    assert "core.Feedback.status()" in _check_error(resource, 10)


def test_a_transition_without_kwargs_stops_check(register, monkeypatch):
    """A transition written ``def reopen(self)``: the operation calls it with
    ``by=`` and ``access=``, so it would fail on the first click, not at start-up."""

    @transition(field="status", source=Feedback.Status.ANSWERED, target=Feedback.Status.NEW)
    def reopen(self):
        """Reopen an answered report."""

    monkeypatch.setattr(Feedback, "reopen", reopen, raising=False)
    resource = register(_feedback("BadTransition", actions=[Action("reopen", "Reopen")]))
    line = _check_error(resource, 11)
    assert "action 'reopen'" in line
    assert "core.Feedback.reopen()" in line
    assert "by=, access=" in line


def test_a_method_with_only_by_stops_check(register, monkeypatch):
    """A plain method that accepts ``by=`` but not ``access=``."""

    def archive(self, by=None):
        """Archive the report."""

    monkeypatch.setattr(Feedback, "archive", archive, raising=False)
    resource = register(_feedback("BadArchive", actions=[Action("archive", "Archive")]))
    line = _check_error(resource, 11)
    assert "core.Feedback.archive()" in line
    assert "access=" in line and "by=," not in line


def test_an_action_method_with_kwargs_passes(register, monkeypatch):
    """The control: the same method with ``**kwargs`` is accepted."""

    def archive(self, **kwargs):
        """Archive the report."""

    monkeypatch.setattr(Feedback, "archive", archive, raising=False)
    register(_feedback("GoodArchive", actions=[Action("archive", "Archive")]))
    call_command("check")


@pytest.mark.parametrize("name", ["mark read", "mark.read", "marquer_lu/2"])
def test_an_action_name_that_is_not_a_url_slug_stops_check(register, name):
    """The portal's URL takes an action name as a slug (``do/<slug:name>/``): a name
    with a space or a dot makes every detail page offering it fail with a 500
    (NoReverseMatch), so it must stop start-up like any other misspelling."""
    resource = register(_feedback("BadActionSlug",
                                  actions=[Action(name, "Mark read", method="withdraw")]))
    line = _check_error(resource, None)
    assert repr(name) in line and "action" in line


@pytest.mark.parametrize("slug", ["online payments", "feedback/all", "feedback.all"])
def test_a_slug_that_is_not_a_url_slug_stops_check(register, slug):
    """A resource slug is a path segment of every portal and API URL (``<slug:slug>``):
    one that is not a URL slug breaks the menu on every portal page."""
    resource = register(type("BadUrlSlug", (Resource,), {
        "__module__": __name__, "model": Feedback, "slug": slug,
        "list_columns": ["subject"]}))
    line = _check_error(resource, None)
    assert repr(slug) in line and "slug" in line


def test_an_unknown_action_role_stops_check(register):
    resource = register(_feedback("BadActionRole",
                                  actions=[Action("withdraw", "Withdraw", role="staff")]))
    line = _check_error(resource, 15)
    assert "action 'withdraw'" in line and "'staff'" in line


def test_a_file_entry_that_is_not_a_file_stops_check(register):
    """``files`` naming a link to a record without a stored file (Notification.user)."""
    resource = register(type("BadNotificationFiles", (Resource,), {
        "__module__": __name__, "model": Notification, "slug": "check-notification-files",
        "files": ["user"]}))
    line = _check_error(resource, 12)
    assert "files names 'user'" in line


def test_a_slug_registered_twice_stops_check(register):
    """A second class with the slug "feedback": one of them would be unreachable."""
    resource = register(type("SecondFeedbackResource", (Resource,), {
        "__module__": __name__, "model": Feedback, "slug": "feedback"}))
    assert registry.get("feedback") is not resource  # the first one stays
    line = _check_error(resource, 1)
    assert "slug 'feedback'" in line
    assert "apps.client_portal.core.resources.FeedbackResource" in line


@pytest.mark.parametrize("model,fields,value", [
    (Organization, ["name", "client_code"], "'client_code'"),
    (FinancialDocument, ["kind", "number"], "'kind, number'"),
])
def test_a_create_field_unique_across_organizations_stops_check(register, model, fields,
                                                                value):
    """A value a client types that is unique across organizations: "already exists"
    would tell one organization that another's record exists."""
    resource = register(type(f"BadUnique{model.__name__}", (Resource,), {
        "__module__": __name__, "model": model, "slug": f"check-unique-{model.__name__}",
        "create_fields": fields}))
    line = _check_error(resource, 16)
    assert "create_fields" in line and value in line


def test_a_model_without_tenancy_stops_check(register):
    """A resource on a model with no tenancy rule (the user model) would be unscoped."""
    User = get_user_model()
    resource = register(type("BadUsers", (Resource,), {
        "__module__": __name__, "model": User, "slug": "check-users"}))
    assert f"{User._meta.label} has no tenancy rule" in _check_error(resource, 13)


def test_a_queryset_overriding_the_predicate_stops_check(register):
    """A model whose queryset overrides ``for_access``: lists and single records would
    no longer share the one predicate."""

    class LenientQuerySet(ScopedQuerySet):
        def for_access(self, access):
            return self.all()

    with isolate_apps("apps.client_portal.core"):
        class LenientFeedback(Feedback):
            objects = LenientQuerySet.as_manager()

            class Meta:
                proxy = True
                app_label = "core"

    resource = register(type("BadPredicate", (Resource,), {
        "__module__": __name__, "model": LenientFeedback, "slug": "check-lenient"}))
    assert "LenientQuerySet overrides for_access" in _check_error(resource, 14)


def test_a_computed_value_needing_an_unknown_field_stops_check(register):
    @computed("Length", needs=["subjekt"])
    def length(obj):
        return len(obj.subject)

    resource = register(_feedback("BadComputed", length=length, list_columns=["length"]))
    line = _check_error(resource, 18)
    assert "@computed 'length'" in line and "'subjekt'" in line


BAD_RESOURCES = '''
from apps.client_portal.core.models import Feedback
from apps.client_portal.core.registry import Resource, registry


@registry.register
class MisspeltFeedbackResource(Resource):
    model = Feedback
    slug = "misspelt-feedback"
    list_columns = ["subject", "stauts"]
'''


def test_manage_py_check_stops_on_a_bad_module(tmp_path):
    """``manage.py check`` in a fresh process: an app whose resources.py declares a
    misspelt column makes it exit non-zero, naming the class, attribute and value.

    The project has no setting for extra resource modules; the test adds a throwaway
    app to ``config.settings_test``'s INSTALLED_APPS, whose ``resources.py`` the core
    app discovers like any other.
    """
    (tmp_path / "badcheck_app").mkdir()
    (tmp_path / "badcheck_app" / "__init__.py").write_text("")
    (tmp_path / "badcheck_app" / "resources.py").write_text(BAD_RESOURCES)
    (tmp_path / "badcheck_settings.py").write_text(textwrap.dedent("""
        from config.settings_test import *  # noqa: F403
        from config.settings_test import INSTALLED_APPS

        INSTALLED_APPS = [*INSTALLED_APPS, "badcheck_app"]
    """))
    env = {**os.environ, "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "badcheck_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)])}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "client_portal.E002" in result.stderr
    assert "MisspeltFeedbackResource (badcheck_app.resources)" in result.stderr
    assert "list_columns names 'stauts'" in result.stderr


def test_manage_py_check_passes_on_the_project():
    """The control of the test above: the shipped project checks clean in a fresh process."""
    env = {**os.environ, "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
