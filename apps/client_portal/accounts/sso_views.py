"""SAML assertion consumer with replay protection in front of allauth's."""

from __future__ import annotations

import base64
import binascii

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

# How long a seen response or assertion ID is remembered; far longer than the
# validity window identity providers give an assertion (minutes).
REPLAY_WINDOW = 24 * 60 * 60


def message_ids(saml_response: str) -> list[str]:
    """IDs of the SAML Response and of the assertions in it; [] if unreadable."""
    try:
        xml = base64.b64decode(saml_response, validate=False)
        root = OneLogin_Saml2_XML.to_etree(xml)
    except (binascii.Error, ValueError, TypeError, Exception):  # noqa: BLE001
        return []
    ids = [root.get("ID")] if root.get("ID") else []
    ids += OneLogin_Saml2_XML.query(root, "//saml:Assertion/@ID")
    return [str(value) for value in ids]


@csrf_exempt
@login_not_required
@require_POST
def saml_acs(request, organization_slug):
    """Refuse a response whose ID (or an assertion ID in it) was seen before."""
    ids = message_ids(request.POST.get("SAMLResponse", ""))
    window = getattr(settings, "SSO_SAML_REPLAY_WINDOW", REPLAY_WINDOW)
    replayed = [
        value for value in ids
        if not cache.add(f"sso:saml:seen:{organization_slug}:{value}", 1, timeout=window)
    ]
    if replayed:
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        return render_authentication_error(
            request, provider,
            extra_context={
                "saml_errors": ["replayed_response"],
                "saml_last_error_reason": f"Response already used: {replayed[0]}",
            },
        )
    return saml_views.acs(request, organization_slug=organization_slug)
