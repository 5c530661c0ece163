"""Demo sign-in ways: phone numbers and national IDs on demo people, activation codes.

Runs after core's demo (INSTALLED_APPS order), which creates the people.
"""

import datetime as dt

from apps.client_portal.core.demo import DEMO_PASSWORD
from apps.client_portal.core.tenancy import Role

from .models import ActivationCode, hash_code

IDENTIFIERS = {
    # key: (phone, national ID country, national ID) — all invented.
    "owner": ("+40721000111", "RO", "1630615123457"),
    "ana": ("+40721000222", "RO", "2850712400027"),
    "contoso_owner": ("+48601000333", "", ""),
}
# Printed in the demo's logins so that the activation page can be tried.
DEMO_CODES = [
    ("northwind", "new.colleague@northwind.example.com", "Nora Newman", Role.MEMBER,
     "NWND-DEMO-2026"),
    ("contoso", "new.colleague@contoso.example.com", "Kamil Nowy", Role.VIEWER,
     "CNTS-DEMO-2026"),
]


def seed(ctx):
    for key, (phone, country, national_id) in IDENTIFIERS.items():
        user = ctx.users[key]
        user.phone, user.national_id_country, user.national_id = phone, country, national_id
        user.full_clean()
        user.save()
    owner, ana = ctx.users["owner"], ctx.users["ana"]
    ctx.logins.append({"email": owner.phone, "password": DEMO_PASSWORD,
                       "organization": ctx.organizations["northwind"].name,
                       "role": "owner, by phone"})
    ctx.logins.append({"email": owner.national_id, "password": DEMO_PASSWORD,
                       "organization": ctx.organizations["northwind"].name,
                       "role": "owner, by national ID (CNP)"})
    ctx.logins.append({"email": ana.national_id, "password": DEMO_PASSWORD,
                       "organization": ctx.organizations["ana"].name,
                       "role": "owner, by national ID (CNP)"})
    for org_key, email, name, role, code in DEMO_CODES:
        ActivationCode.objects.create(
            organization=ctx.organizations[org_key], email=email, person_name=name, role=role,
            code_hash=hash_code(code), expires_at=ctx.now + dt.timedelta(days=365),
            created_by=ctx.users["admin"],
        )
        ctx.logins.append({"email": email, "password": f"code {code}",
                           "organization": ctx.organizations[org_key].name,
                           "role": "activation at /accounts/activate/"})
