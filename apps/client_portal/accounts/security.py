def axes_username(request, credentials):
    """The login name django-axes counts failures against.

    allauth authenticates with ``email=`` (or ``username=``); the admin login
    posts ``username``; the portal's form passes ``login=`` (an email, phone or
    national ID), which counts against the account it names, so that trying
    another identifier of the same account does not reset the count.
    """
    credentials = credentials or {}
    login = credentials.get("login")
    if login:
        from .identifiers import counter_key

        return counter_key(str(login))[:255]
    value = (
        credentials.get("email")
        or credentials.get("username")
        or (request.POST.get("login") if request is not None and hasattr(request, "POST") else None)
        or ""
    )
    return str(value).strip().lower()[:255]
