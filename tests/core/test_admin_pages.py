"""The back office: every list and change page opens, and the generated list rows say
what django-unfold's would."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse

from apps.client_portal.core.admin_base import ResourceAdmin, _row_checkbox

pytestmark = pytest.mark.django_db


def _admins():
    """Every admin of a model with a table (django-rq's dashboard is a page, not a model)."""
    return sorted(((m, a) for m, a in admin.site._registry.items() if m._meta.managed),
                  key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model", [m for m, _a in _admins()], ids=lambda m: m._meta.label)
def test_the_administrator_opens_every_list_and_change_page(demo, client, model):
    client.force_login(demo.users["admin"])
    opts = model._meta
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listing.status_code == 200, listing.content[:500]
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        return  # nothing of this kind in the demo (the list page said so)
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                              args=[obj.pk]))
    assert page.status_code == 200, page.content[:500]


def test_the_row_checkbox_is_unfolds_own():
    from unfold.admin import checkbox

    for pk in (7, "a<b>&\"c", 1234567890):
        assert _row_checkbox(pk) == checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(pk))


@pytest.mark.parametrize("model", [m for m, a in _admins() if isinstance(a, ResourceAdmin)],
                         ids=lambda m: m._meta.label)
def test_generated_rows_select_and_link_every_record_of_the_page(demo, client, model):
    client.force_login(demo.users["admin"])
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                          + "?o=-1")
    html = response.content.decode()
    cl = response.context["cl"]
    objects = list(cl.result_list)
    boxes = re.findall(r'name="_selected_action" value="([^"]+)"', html)
    selectable = "action_checkbox" in cl.list_display  # no actions, no boxes (audit log)
    assert boxes == ([str(o.pk) for o in objects] if selectable else [])
    for obj in objects:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert f'href="{change}' in html
    labels = re.findall(r'<th class="field-[^"]*" data-label="([^"]*)"', html)
    assert len(labels) == len(objects)


@pytest.mark.parametrize("key, sees, not_sees", [
    ("billing", ["Billing", "Financial documents", "Clients"], ["Integrations", "Webhooks"]),
    ("service", ["Messages", "Feedback"], ["Billing", "Financial documents"]),
    ("admin", ["Clients", "Billing", "Integrations", "Security and sign-in",
               "Background jobs"], []),
])
def test_each_staff_group_sees_its_own_sections(demo, client, key, sees, not_sees):
    client.force_login(demo.users[key])
    nav = client.get("/admin/").content.decode()
    nav = nav[nav.index("<nav"):nav.index("</nav>")]
    for text in sees:
        assert text in nav, text
    for text in not_sees:
        assert text not in nav, text


def test_a_view_only_clerk_is_not_offered_and_cannot_fire_actions(demo, client):
    """Actions change records: only staff who may change the model get them."""
    from apps.client_portal.core.models import Notification

    client.force_login(demo.users["billing"])  # may view notifications, not change them
    page = client.get("/admin/core/notification/").content.decode()
    assert "action_mark_read" not in page
    unread = Notification.objects.filter(read_at__isnull=True).first()
    client.post("/admin/core/notification/", {"action": "action_mark_read",
                                              "_selected_action": [unread.pk]})
    unread.refresh_from_db()
    assert unread.read_at is None


def test_background_jobs_are_for_superusers_only(demo, client):
    client.force_login(demo.users["billing"])
    assert client.get("/admin/django-rq/").status_code == 403
    client.force_login(demo.users["admin"])
    assert client.get("/admin/django-rq/").status_code == 200


def test_staff_without_an_organization_land_in_the_back_office(demo, client):
    client.force_login(demo.users["admin"])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
