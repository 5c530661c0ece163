from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import identifiers


class IdentifierBackend(ModelBackend):
    """Signs in with ``login=`` an email, a phone number or a national ID.

    Which of them count is the site's choice (``LOGIN_IDENTIFIERS``); the
    portal's login form passes what the person typed as ``login``.
    """

    def authenticate(self, request, login=None, password=None, **kwargs):
        if login is None or password is None:
            return None
        user = identifiers.resolve(login)
        if user is None:
            # Same work as a real check, so that timing does not tell.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
