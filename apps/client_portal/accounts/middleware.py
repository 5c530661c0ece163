from django.utils import translation


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
