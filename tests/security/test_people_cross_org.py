"""The people views of accounts answer 404 for another organization's people."""

import pytest

from apps.client_portal.core.models import AuditEvent, Membership
from apps.client_portal.core.tenancy import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(demo):
    return Membership.objects.get(user=demo.users["member"],
                                  organization=demo.organizations["northwind"])


@pytest.fixture
def intruder(demo, login):
    """The Owner of another organization."""
    return login(demo.users["contoso_owner"], demo.organizations["contoso"])


def test_manage_page_of_another_organizations_person_is_404(victim, intruder):
    response = intruder.get(f"/people/{victim.uuid}/manage/")
    assert response.status_code == 404
    assert "member@northwind.example.com" not in response.content.decode()


@pytest.mark.parametrize("path", ["manage/", "deactivate/", "reactivate/"])
def test_changes_to_another_organizations_person_are_404(victim, intruder, path):
    data = {"role": Role.VIEWER} if path == "manage/" else {}
    response = intruder.post(f"/people/{victim.uuid}/{path}", data)
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.role == Role.MEMBER and victim.is_active
    assert not AuditEvent.objects.filter(action__startswith="people.").exists()


def test_person_in_both_organizations_is_reached_only_through_the_active_one(demo, login):
    """Dana is a Manager of contoso and a member of northwind: acting for contoso,
    northwind's people stay out of reach, even her own northwind membership."""
    client = login(demo.users["multi"], demo.organizations["contoso"])
    northwind_member = Membership.objects.get(user=demo.users["member"],
                                              organization=demo.organizations["northwind"])
    assert client.get(f"/people/{northwind_member.uuid}/manage/").status_code == 404
    contoso_owner = Membership.objects.get(user=demo.users["contoso_owner"],
                                           organization=demo.organizations["contoso"])
    # Her own rank (Manager) is below the Owner's: the page shows, the change is refused.
    client.post(f"/people/{contoso_owner.uuid}/manage/", {"role": Role.VIEWER})
    contoso_owner.refresh_from_db()
    assert contoso_owner.role == Role.OWNER


def test_unknown_uuid_is_404(demo, login):
    client = login(demo.users["owner"], demo.organizations["northwind"])
    assert client.get("/people/00000000-0000-0000-0000-000000000000/manage/").status_code == 404


@pytest.mark.parametrize("path,data", [("role/", {"role": "viewer"}), ("deactivate/", {}),
                                       ("reactivate/", {})])
def test_api_changes_to_another_organizations_person_are_404(victim, intruder, path, data):
    response = intruder.post(f"/api/v1/people/{victim.uuid}/{path}", data,
                             content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    victim.refresh_from_db()
    assert victim.role == Role.MEMBER and victim.is_active


def test_api_key_of_another_organization_gets_404(victim, demo, client):
    from apps.client_portal.api.models import ApiKey

    key = ApiKey(organization=demo.organizations["contoso"], role=Role.OWNER, name="intruder",
                 created_by=demo.users["contoso_owner"])
    plain = key.generate()
    key.full_clean()
    key.save()
    response = client.post(f"/api/v1/people/{victim.uuid}/role/", {"role": "viewer"},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Api-Key {plain}")
    assert response.status_code == 404
