"""Demo API keys: one per client organization, so the key lists are not empty.

The secrets are thrown away at once; a demo user creates a usable key in the
portal (API keys, New) or staff in the back office.
"""

import datetime as dt

from apps.client_portal.core.tenancy import Role

from .models import ApiKey


def seed(ctx):
    for org_key, user_key, name in [
        ("northwind", "owner", "Northwind ERP sync"),
        ("ana", "ana", "Home budget app"),
        ("contoso", "contoso_owner", "Contoso warehouse"),
        ("fabrikam", "fabrikam_owner", "Fabrikam meter gateway"),
    ]:
        key = ApiKey(name=name, organization=ctx.organizations[org_key],
                     created_by=ctx.users[user_key], role=Role.VIEWER,
                     expires_at=ctx.now + dt.timedelta(days=365))
        key.generate()
        key.full_clean()
        key.save()
