"""The page where a person enters the code emailed as their second factor."""

from allauth.account.internal.decorators import login_stage_required
from allauth.account.internal.stagekit import stash_login
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from apps.client_portal.core import audit

from .mfa import EMAIL_CODE_DIGITS, EmailCodeStage

MAX_SENDS = 3


class EmailCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=EMAIL_CODE_DIGITS,
        min_length=EMAIL_CODE_DIGITS,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
        }),
    )


@require_http_methods(["GET", "POST"])
@login_stage_required(stage=EmailCodeStage.key, redirect_urlname="account_login")
def email_code(request):
    stage = request._login_stage
    user = stage.login.user
    form = EmailCodeForm(request.POST if "code" in request.POST else None)
    if request.method == "POST" and "resend" in request.POST:
        if stage.state.get("sent", 0) >= MAX_SENDS:
            messages.error(request, _("No more codes can be sent. Sign in again later."))
        else:
            stage.send_code()
            stash_login(request, stage.login)
            messages.info(request, _("We have sent you a new code."))
        return redirect("mfa_email_code")
    if request.method == "POST" and form.is_valid():
        outcome = stage.check(form.cleaned_data["code"])
        if outcome == "ok":
            audit.record("mfa.used", obj=user, actor=user, changes={"type": "email_code"})
            return stage.exit()
        audit.record("mfa.failed", obj=user, actor=user,
                     changes={"type": "email_code", "outcome": outcome})
        if outcome == "locked":
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return stage.abort()
        stash_login(request, stage.login)
        if outcome == "expired":
            form.add_error("code", _("This code has expired. Ask for a new one."))
        else:
            form.add_error("code", _("Incorrect code."))
    return render(request, "mfa/email_code.html", {
        "form": form,
        "email": user.email,
        "attempts_left": stage.attempts_left,
        "can_resend": stage.state.get("sent", 0) < MAX_SENDS,
    })
