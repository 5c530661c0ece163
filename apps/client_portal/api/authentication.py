from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key cp_<prefix>_<secret>`` or ``X-Api-Key``."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        raw = None
        if header.startswith(self.keyword + " "):
            raw = header[len(self.keyword) + 1 :].strip()
        elif request.META.get("HTTP_X_API_KEY"):
            raw = request.META["HTTP_X_API_KEY"].strip()
        if raw is None:
            return None
        key = ApiKey.find(raw[:200])
        if key is None or not key.is_usable():
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired API key."))
        if key.organization is not None and not key.organization.is_active:
            raise exceptions.AuthenticationFailed(_("The key's organization is inactive."))
        now = timezone.now()
        # One write a minute at most: the key is read on every call.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (key.created_by, key)

    def authenticate_header(self, request):
        return self.keyword
