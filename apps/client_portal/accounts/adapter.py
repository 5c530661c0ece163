from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Clients do not sign themselves up: the provider issues access."""

    def is_open_for_signup(self, request):
        return False
