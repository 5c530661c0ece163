"""Small sets of people and organizations for the sign-in tests."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from apps.client_portal.core.models import Membership, Organization
from apps.client_portal.core.tenancy import Role

PASSWORD = "Correct-horse-42"


def make_user(email, *, first="Test", last="Person", verified=True, **extra):
    user = get_user_model().objects.create_user(
        username=email.replace("@", ".")[:150], email=email, password=PASSWORD,
        first_name=first, last_name=last, **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_org(name, *, kind="company", client_code=None, registration_number="", country="RO"):
    return Organization.objects.create(
        name=name, kind=kind, client_code=client_code,
        registration_number=registration_number, country=country,
    )


def add_member(user, organization, role=Role.MEMBER):
    return Membership.objects.create(user=user, organization=organization, role=role)
