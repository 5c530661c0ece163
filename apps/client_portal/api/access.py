from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from apps.client_portal.core.middleware import active_membership
from apps.client_portal.core.tenancy import Access

from .models import ApiKey


def access_for(request) -> Access:
    """The principal of an API request: its key, or the portal session's membership."""
    cached = getattr(request, "_cp_access", None)
    if cached is not None:
        return cached
    key = request.auth if isinstance(request.auth, ApiKey) else None
    if key is not None:
        access = Access(
            user=key.created_by, organization=key.organization,
            role=key.role if key.organization_id else None, via="api_key", api_key=key,
        )
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
