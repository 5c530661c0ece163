"""Responses meant for one person are kept by nobody else.

``PrivateNoStoreMiddleware`` sets ``Cache-Control: private, no-store`` on every
response to a signed-in person or to an API call with an API key, and on every
export or file download, so that neither a shared proxy nor the browser's disk
keeps a client's records. A view that set its own ``Cache-Control`` keeps it;
static files are left alone. Place it after ``AuthenticationMiddleware``.
"""

from django.conf import settings

PRIVATE = "private, no-store"
API_PREFIX = "/api/"
# Exports and downloads: whoever asked for them, they are one client's records.
DOWNLOAD_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf",
    "application/zip",
)


def _signed_in(request) -> bool:
    return bool(getattr(getattr(request, "user", None), "is_authenticated", False))


def _api_key(request) -> bool:
    meta = request.META
    return request.path.startswith(API_PREFIX) and bool(
        meta.get("HTTP_X_API_KEY") or meta.get("HTTP_AUTHORIZATION", "").startswith("Api-Key "))


def _download(response) -> bool:
    if getattr(response, "streaming", False):
        return True
    if response.get("Content-Disposition", "").startswith("attachment"):
        return True
    return response.get("Content-Type", "").split(";")[0].strip() in DOWNLOAD_TYPES


def _static(request) -> bool:
    prefix = settings.STATIC_URL or ""
    return bool(prefix) and request.path.startswith("/" + prefix.lstrip("/"))


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control") or _static(request):
            return response
        if _signed_in(request) or _api_key(request) or _download(response):
            response["Cache-Control"] = PRIVATE
        return response
