from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render

from apps.client_portal.core.middleware import user_memberships


def member_required(view):
    """Signed in, and acting for an organization; sets ``request.access``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request.user, "must_change_password", False):
            return redirect("account_change_password")
        membership = request.membership
        if not membership:
            if user_memberships(request):
                return redirect(f"/select/?next={request.get_full_path()}")
            if request.user.is_staff:
                return redirect("admin:index")  # the provider's staff work in the back office
            return render(request, "portal/no_organization.html", status=403)
        request.access = membership.access()
        return view(request, *args, **kwargs)

    return wrapper
