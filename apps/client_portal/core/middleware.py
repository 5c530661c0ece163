from csp.constants import UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.functional import SimpleLazyObject

from .context import current_request
from .errors import Refused
from .models import Membership, Notification

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


# The menu badge counts unread notifications up to this many and then shows "99+";
# counting stops there, so a full inbox costs no more than a small one.
UNREAD_BADGE_LIMIT = 99


def _unread(user_pk) -> RawSQL:
    """Each membership's unread notifications, exact up to 99, else 100: in SQL.

    The 100th unread row is looked up first (a range of the ``notif_unread``
    index); only when there is none are the rows counted, so a long inbox is
    never walked. Written as SQL because the ORM's version of the same query
    took 2 ms to compile on every page, twice what running it takes.
    """
    notification = connection.ops.quote_name(Notification._meta.db_table)
    membership = connection.ops.quote_name(Membership._meta.db_table)
    unread = (f"FROM {notification} n WHERE n.organization_id = {membership}.organization_id "
              "AND n.user_id = %s AND n.read_at IS NULL")
    return RawSQL(  # noqa: S611 (table names from the models; the user is a parameter)
        f"CASE WHEN EXISTS (SELECT 1 {unread} LIMIT 1 OFFSET {UNREAD_BADGE_LIMIT}) "
        f"THEN {UNREAD_BADGE_LIMIT + 1} ELSE (SELECT COUNT(*) {unread}) END",
        (user_pk, user_pk),
    )


def user_memberships(request):
    """The signed-in user's active memberships, by organization name; [] if anonymous.

    Read once per request (one query, with each one's unread notifications for
    the menu badge) and shared by the choice of the active membership and the
    organization switcher in the page header.
    """
    cached = getattr(request, "_cp_memberships", None)
    if cached is not None:
        return cached
    user = request.user
    memberships = []
    if user.is_authenticated:
        # The organization's state and the order are applied here rather than in
        # SQL: the same rows, for a good part less ORM work on every page.
        rows = Membership.objects.filter(user_id=user.pk, is_active=True).select_related(
            "organization"
        ).annotate(unread=_unread(user.pk)).order_by()
        memberships = sorted(
            (m for m in rows if m.organization.is_active),
            key=lambda m: (m.organization.name.casefold(), m.pk),
        )
        for membership in memberships:
            membership.user = user  # the request's user: no second query for it
    request._cp_memberships = memberships
    return memberships


def active_membership(request):
    """The membership the signed-in user acts through, or None.

    A user with one active membership uses it without choosing; with several,
    the choice stored in the session (the organization switcher) decides.
    """
    memberships = user_memberships(request)
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        for membership in memberships:
            if str(membership.organization.uuid) == chosen:
                return membership
    return memberships[0] if len(memberships) == 1 else None


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


# Record pages a link may point at: the portal's own, named by resource slug and UUID.
RECORD_PAGES = {"portal:detail", "portal:edit", "portal:download"}


class RefusedMiddleware:
    """A ``Refused`` raised by any page becomes the portal's refusal page, with its status.

    API views answer refusals themselves, in the API's error shape (api/errors.py).

    A record page that answers 404 to a person who is a member of several
    organizations looks the record up through each of that person's other
    memberships (the same predicate and read role as the page): where one of
    them may read it, the 404 page offers to switch to that organization and
    come back. Nothing changes for anyone else, so the answer to a stranger stays
    exactly the plain 404, whether the record exists or not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            offer = switch_offer(request)
            if offer is not None:
                return self._render(request, Refused(code="not_found"), status=404,
                                    resource=offer["resource"], switch=offer)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Refused):
            return self._render(request, exception, status=exception.status)
        return None

    @staticmethod
    def _render(request, refusal, *, status, **context):
        from django.shortcuts import render
        from django.urls import reverse

        return render(request, "portal/refused.html",
                      {"refusal": refusal, "here": reverse("portal:dashboard"), **context},
                      status=status)


def switch_offer(request):
    """The other organization of the signed-in person where this record page's record is
    theirs to read, as ``{"organization", "record", "resource", "next"}``; else None."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.view_name not in RECORD_PAGES or not getattr(
            user, "is_authenticated", False):
        return None
    memberships = user_memberships(request)
    if len(memberships) < 2:
        return None
    from .registry import registry

    try:
        resource = registry.get(match.kwargs.get("slug", ""))
    except Refused:
        return None
    current = active_membership(request)
    for membership in memberships:
        if current is not None and membership.pk == current.pk:
            continue
        access = membership.access()
        if not access.has_role(resource.read_role):
            continue
        try:
            obj = resource.get_object(access, match.kwargs.get("lookup"))
        except Refused:
            continue
        return {"organization": membership.organization, "record": obj, "resource": resource,
                "next": request.get_full_path()}
    return None
