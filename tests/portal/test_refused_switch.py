"""A link to a record of another of the person's organizations offers to switch to it.

Dana Dual is a Member of Northwind and a Manager of Contoso. Acting for one, she
opens a record of the other: the 404 page says whose it is and offers to switch,
then brings her back to the record. To anyone who is not a member there, the
answer is the plain 404, the same byte for byte whether the record exists or not.
"""

import re
import uuid

import pytest
from django.urls import reverse

from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import Role
from tests.billing.helpers import published
from tests.security.sweep import exclusive_rows

pytestmark = pytest.mark.django_db


def normalized(response) -> str:
    """The body without what differs between any two requests (the CSRF token)."""
    body = response.content.decode()
    return re.sub(r'(name="csrfmiddlewaretoken" value=|csrf[-_]token" content=)"[^"]+"',
                  r"\1", body)


@pytest.fixture
def invoice(demo):
    return published(demo.organizations["northwind"], amount="80.00", number="SW-0001")


def test_dana_acting_for_contoso_is_offered_northwinds_invoice(demo, invoice, login):
    northwind, contoso = demo.organizations["northwind"], demo.organizations["contoso"]
    client = login(demo.users["multi"], contoso)
    url = reverse("portal:detail", args=["invoices", invoice.uuid])
    response = client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="switch-offer"' in body
    assert f"{invoice} belongs to {northwind.name}" in body
    assert f"Switch to {northwind.name}" in body
    assert f'name="organization" value="{northwind.uuid}"' in body
    assert f'name="next" value="{url}"' in body

    # The form switches and comes back to the record.
    switched = client.post(reverse("portal:select"),
                           {"organization": str(northwind.uuid), "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    again = client.get(url)
    assert again.status_code == 200 and invoice.number in again.content.decode()


def test_the_offer_works_the_other_way_and_for_other_resources(demo, login):
    northwind, contoso = demo.organizations["northwind"], demo.organizations["contoso"]
    theirs = published(contoso, amount="12.00", currency="PLN", number="SW-0002")
    client = login(demo.users["multi"], northwind)
    body = client.get(reverse("portal:detail", args=["invoices", theirs.uuid])
                      ).content.decode()
    assert f"Switch to {contoso.name}" in body


def test_no_offer_above_the_persons_role_there(demo, login):
    """Dana is a Member of Northwind: a record only its Owner reads is a plain 404."""
    owner_only = next((r for r in registry if r.read_role == Role.OWNER
                       and exclusive_rows(r, demo)), None)
    if owner_only is None:
        pytest.skip("no resource is read by Owners only")
    row = exclusive_rows(owner_only, demo)[0]
    client = login(demo.users["multi"], demo.organizations["contoso"])
    url = reverse("portal:detail", args=[owner_only.slug, row.uuid])
    made_up = reverse("portal:detail", args=[owner_only.slug, uuid.uuid4()])
    found, missing = client.get(url), client.get(made_up)
    assert found.status_code == missing.status_code == 404
    assert "switch-offer" not in found.content.decode()
    assert normalized(found) == normalized(missing)


@pytest.mark.parametrize("slug", [r.slug for r in registry if not r.singleton])
def test_a_stranger_cannot_tell_a_record_exists(demo, login, slug):
    """Existence oracle: contoso's Owner gets the same page for a northwind record as for
    no record at all; so does Ana (one organization only)."""
    resource = registry.get(slug)
    rows = exclusive_rows(resource, demo)
    if not rows:
        pytest.skip("no row only Northwind reads")
    obj = rows[0]
    for user_key, org_key in [("contoso_owner", "contoso"), ("ana", "ana")]:
        client = login(demo.users[user_key], demo.organizations[org_key])
        found = client.get(reverse("portal:detail", args=[slug, obj.uuid]))
        missing = client.get(reverse("portal:detail", args=[slug, uuid.uuid4()]))
        assert found.status_code == missing.status_code == 404
        assert normalized(found) == normalized(missing)
        assert str(obj.uuid) not in found.content.decode()
