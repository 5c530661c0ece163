"""The principal of an API request: its key, or the portal session's membership.

An organization's key acts with its own role, but never above its creator's
role in that organization today: demoting the creator demotes the key, and a
key whose creator has left the organization (membership removed or
deactivated, account closed) stops working. A provider-wide key works only
while its creator is active staff.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from apps.client_portal.core.middleware import active_membership
from apps.client_portal.core.models import Membership
from apps.client_portal.core.tenancy import Access, lower_role

from .models import ApiKey

CREATOR_GONE = _("The key's creator no longer has access; ask an Owner for a new key.")


def key_access(key: ApiKey) -> Access:
    creator = key.created_by
    if creator is None or not creator.is_active:
        raise exceptions.AuthenticationFailed(CREATOR_GONE)
    if key.organization_id is None:
        if not creator.is_staff:
            raise exceptions.AuthenticationFailed(CREATOR_GONE)
        return Access.provider(user=creator, api_key=key)
    membership = Membership.objects.filter(
        user=creator, organization_id=key.organization_id, is_active=True).first()
    if membership is None and not creator.is_staff:
        raise exceptions.AuthenticationFailed(CREATOR_GONE)
    # Staff may issue a key for a client organization they do not belong to.
    role = key.role if membership is None else lower_role(key.role, membership.role)
    return Access(user=creator, organization=key.organization, role=role, via="api_key",
                  api_key=key)


def access_for(request) -> Access:
    cached = getattr(request, "_cp_access", None)
    if cached is not None:
        return cached
    key = request.auth if isinstance(request.auth, ApiKey) else None
    if key is not None:
        access = key_access(key)
    else:
        membership = active_membership(request._request)
        if membership is None:
            raise exceptions.PermissionDenied(
                _("Choose an organization in the portal first, or use an API key.")
            )
        access = membership.access()
    request._cp_access = access
    request._request.api_access = access
    return access
