"""Errors answer in the portal's layout and the reader's language, never Django's bare pages."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_an_unknown_address_is_the_portals_404(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="topbar"' in body and "Not found" in body


def test_a_form_that_fails_the_csrf_check_says_what_to_do(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.users["owner"])
    response = client.post("/p/feedback/new/", {"kind": "wish", "subject": "x", "body": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "reload the page" in body and 'class="topbar"' in body
    assert "CSRF verification failed" not in body


@override_settings(DEBUG=False)
def test_a_view_that_fails_answers_with_a_page_of_our_own(demo, client, monkeypatch):
    """handler500: no traceback, no database work, a sentence that says what to do."""
    from apps.client_portal.portal import views

    def broken(request):
        raise RuntimeError("boom in the view")

    monkeypatch.setattr(views.registry, "cards", broken)  # the dashboard calls it
    client.raise_request_exception = False
    client.force_login(demo.users["owner"])
    response = client.get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "Traceback" not in body and "boom in the view" not in body
