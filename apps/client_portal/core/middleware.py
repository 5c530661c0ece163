from csp.constants import UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .context import current_request
from .models import Membership

SESSION_KEY = "cp_active_organization"


class RequestContextMiddleware:
    """Make the current request reachable by audit and notification code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def active_membership(request):
    """The membership the signed-in user acts through, or None.

    A user with one active membership uses it without choosing; with several,
    the choice stored in the session (the organization switcher) decides.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    ).select_related("organization")
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        membership = memberships.filter(organization__uuid=chosen).first()
        if membership is not None:
            return membership
    only = list(memberships[:2])
    return only[0] if len(only) == 1 else None


class ActiveOrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: active_membership(request))
        return self.get_response(request)


def set_active_organization(request, organization):
    request.session[SESSION_KEY] = str(organization.uuid)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with a wider policy for the staff and developer tools."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        prefixes = tuple(settings.CONTENT_SECURITY_POLICY_RELAXED_PREFIXES)
        if request.path_info.startswith(prefixes) and not report_only:
            extra = {
                "script-src": [UNSAFE_INLINE, UNSAFE_EVAL],
                "style-src": [UNSAFE_INLINE],
                "img-src": ["data:", "blob:"],
                "worker-src": ["'self'", "blob:"],
            }
            update = dict(parts.update or {})
            for key, values in extra.items():
                update[key] = list(update.get(key, [])) + values
            parts.update = update
        return parts
