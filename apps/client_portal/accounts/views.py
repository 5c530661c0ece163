import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.client_portal.core import audit
from apps.client_portal.core.context import client_ip
from apps.client_portal.core.errors import Refused
from apps.client_portal.core.resources import MembershipResource
from apps.client_portal.core.tenancy import Role
from apps.client_portal.portal.access import member_required

from . import services
from .forms import ActivationCodeForm, ChooseLoginForm, InviteForm, RoleForm
from .report import personal_data


# --- registration by activation code ------------------------------------------------
@require_http_methods(["GET", "POST"])
def activate(request):
    """Step 1: code and email; a confirmation link goes to that email."""
    form = ActivationCodeForm(request.POST or None,
                              initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        try:
            activation = services.activation_code_check(
                code=form.cleaned_data["code"], email=form.cleaned_data["email"],
                ip=client_ip(request), request=request)
        except Refused as exc:
            form.add_error("code" if exc.code != "throttled" else None, exc.message)
        else:
            services.send_activation_link(activation, request)
            return redirect("accounts:activate_sent")
    return render(request, "account/activate.html", {"form": form})


@require_GET
def activate_sent(request):
    return render(request, "account/activate_sent.html")


@require_http_methods(["GET", "POST"])
def activate_confirm(request, token):
    """Step 2: from the emailed link, choose a login and password (or link an account)."""
    try:
        activation = services.activation_from_token(token)
    except Refused as exc:
        return render(request, "account/activate_invalid.html", {"message": exc.message},
                      status=400)
    existing = services.existing_account_for(activation)
    form = None if existing else ChooseLoginForm(request.POST or None, email=activation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            user, created = services.activation_complete(
                token=token,
                username=form.cleaned_data["username"] if form else None,
                password=form.cleaned_data["password1"] if form else None,
                request=request)
        except Refused as exc:
            return render(request, "account/activate_invalid.html",
                          {"message": exc.message}, status=400)
        if created:
            messages.success(request, _("Your account is ready. Sign in with your new login "
                                        "and password."))
        else:
            messages.success(request, _("%(org)s was added to your account. Sign in as "
                                        "usual.") % {"org": activation.organization.name})
        return redirect("account_login")
    return render(request, "account/activate_confirm.html", {
        "form": form, "activation": activation, "existing": existing,
    })


# --- people in an organization ------------------------------------------------------
def _manageable(request, lookup):
    """The person through the resource predicate (404 across organizations)."""
    if not request.access.has_role(Role.MANAGER):
        from django.http import Http404

        raise Http404
    return MembershipResource.get_object(request.access, lookup)


@require_http_methods(["GET", "POST"])
@member_required
def person_manage(request, lookup):
    membership = _manageable(request, lookup)
    access = request.access
    roles = services.assignable_roles(access)
    form = RoleForm(request.POST or None, roles=roles, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(access=access, membership=membership,
                                            role=form.cleaned_data["role"], request=request)
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The role is saved."))
            return redirect("portal:detail", slug="people", lookup=membership.uuid)
    return render(request, "account/person_manage.html", {
        "membership": membership, "form": form,
        "is_self": membership.user_id == request.user.pk,
    })


@require_POST
@member_required
def person_set_active(request, lookup, state):
    membership = _manageable(request, lookup)
    try:
        services.membership_set_active(access=request.access, membership=membership,
                                       active=state == "reactivate", request=request)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Access restored.") if state == "reactivate"
                         else _("Access suspended."))
    return redirect("portal:detail", slug="people", lookup=membership.uuid)


@require_http_methods(["GET", "POST"])
@member_required
def person_invite(request):
    access = request.access
    if not access.has_role(Role.MANAGER) or not MembershipResource.may_read(access):
        from django.http import Http404

        raise Http404
    form = InviteForm(request.POST or None, roles=services.assignable_roles(access))
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_person(access=access, request=request, **form.cleaned_data)
        except Refused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The invitation is on its way to %(email)s.")
                             % {"email": form.cleaned_data["email"]})
            return redirect("portal:list", slug="people")
    return render(request, "account/person_invite.html", {"form": form})


# --- personal data report -------------------------------------------------------------
@require_GET
@login_required
def my_data(request, fmt):
    data = personal_data(request.user)
    audit.record("account.data_report", obj=request.user, changes={"format": fmt},
                 request=request)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2,
                                           ensure_ascii=False),
                                content_type="application/json; charset=utf-8")
    else:
        from apps.client_portal.documents.pdf import render_template_to_pdf

        pdf = render_template_to_pdf("account/my_data_pdf.html", {"data": data,
                                                                  "user": request.user})
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response

