import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "cp_last_seen"
# Writing the session on every request would cost a write per page; a minute
# of imprecision in the idle timeout is harmless.
TOUCH_EVERY = 60


class UserLanguageMiddleware:
    """A signed-in person's chosen language wins over cookie and browser.

    Runs after authentication, so it re-activates the language LocaleMiddleware
    picked when the account has one of its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and translation.check_for_language(user.language)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Sign out a session nobody has used for ``SESSION_IDLE_TIMEOUT`` seconds (0: never)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if last is not None and now - int(last) > timeout:
                from apps.client_portal.core import audit

                audit.record("logout.idle", obj=user, actor=user, request=request,
                             changes={"idle_seconds": now - int(last)})
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('account_login')}?{query}")
            if last is None or now - int(last) >= TOUCH_EVERY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
