"""The one predicate: rows of another organization are never reachable."""

import pytest

from apps.client_portal.core.models import Feedback, Membership, Notification
from apps.client_portal.core.tenancy import Access, Role


@pytest.mark.django_db
def test_for_member_sees_only_own_organization(demo):
    owner = demo.users["owner"]
    northwind = demo.organizations["northwind"]
    rows = Feedback.objects.for_member(owner, northwind)
    assert rows.exists()
    assert set(rows.values_list("organization", flat=True)) == {northwind.pk}


@pytest.mark.django_db
def test_for_member_of_a_foreign_organization_is_empty(demo):
    owner = demo.users["owner"]
    contoso = demo.organizations["contoso"]
    assert Feedback.objects.filter(organization=contoso).exists()
    assert not Feedback.objects.for_member(owner, contoso).exists()


@pytest.mark.django_db
def test_user_scoped_rows_stay_with_their_user(demo):
    northwind = demo.organizations["northwind"]
    member = demo.users["member"]
    rows = Notification.objects.for_member(member, northwind)
    assert rows.exists()
    assert set(rows.values_list("user", flat=True)) == {member.pk}


@pytest.mark.django_db
def test_inactive_membership_reaches_nothing(demo):
    member = demo.users["member"]
    northwind = demo.organizations["northwind"]
    Membership.objects.filter(user=member).update(is_active=False)
    assert not Feedback.objects.for_member(member, northwind).exists()


def test_role_ranks_are_ordered():
    viewer = Access(user=None, organization=None, role=Role.VIEWER)
    owner = Access(user=None, organization=None, role=Role.OWNER)
    assert owner.has_role(Role.MANAGER)
    assert not viewer.has_role(Role.MEMBER)
    assert viewer.has_role(Role.VIEWER)
