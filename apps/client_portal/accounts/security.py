def axes_username(request, credentials):
    """The login name django-axes counts failures against.

    allauth authenticates with ``email=`` (or ``username=``); the admin login
    posts ``username``. Lower-cased, so that case changes share one counter.
    """
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or credentials.get("login")
        or (request.POST.get("login") if request is not None and hasattr(request, "POST") else None)
        or ""
    )
    return str(value).strip().lower()[:255]
