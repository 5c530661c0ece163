"""Pages of online payment: confirm and start, come back, and the gateway callback.

Client pages reach documents and intents only through the resource predicate (a
record of another organization is a 404). The return page reads the intent's
state from the database, never from the query string the gateway appends; the
callback is the only door through which a payment becomes paid.
"""

from io import BytesIO

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.client_portal.core.errors import Refused
from apps.client_portal.core.registry import registry
from apps.client_portal.portal.access import member_required

from . import online
from .gateways import enabled_gateways, get_gateway
from .gateways.base import gateway_label
from .gateways.fake_server import FakeGatewayApp, fake_gateway_allowed
from .links import pay_balance_url, pay_document_url
from .models import Currency, FinancialDocument, PaymentIntent

# The return page asks again every POLL_SECONDS while the gateway has not answered,
# at most POLL_TIMES times; then it stops and says what to do.
POLL_SECONDS = 3
POLL_TIMES = 10


def _scoped(model, access, lookup):
    """One record through the registered resource's predicate; 404 otherwise."""
    resource = registry.for_model(model)
    if resource is not None:
        return resource.get_object(access, lookup)
    try:
        return model._default_manager.for_access(access).get(uuid=lookup)
    except model.DoesNotExist:
        raise Http404 from None


def _require_pay_role(access):
    """A role that may not pay gets the portal's 403 page, which says why."""
    if not access.has_role(online.PAY_ROLE):
        raise Refused(gettext_lazy("Your role in this organization lets you see invoices, not "
                                   "pay them. Ask the organization's owner or a manager."),
                      code="forbidden")


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _confirm(request, *, documents=None, currency=None, back_url):
    access = request.access
    gateways = enabled_gateways()
    offer, problem = None, None
    try:
        offer = online.quote(access, documents=documents, currency=currency)
    except Refused as exc:
        problem = exc.message
    if not gateways and problem is None:
        problem = _no_gateway_message()

    if request.method == "POST" and offer is not None and problem is None:
        chosen = request.POST.get("gateway", "")
        if chosen not in {g.name for g in gateways}:
            problem = _no_gateway_message()
        else:
            try:
                intent = online.start_payment(
                    access, gateway=chosen, base_url=_base_url(request),
                    documents=documents, currency=currency, request=request)
            except Refused as exc:
                messages.error(request, exc.message)
                return redirect(request.get_full_path())
            return redirect(intent.redirect_url)

    response = render(request, "billing/online/confirm.html", {
        "offer": offer, "problem": problem, "gateways": gateways, "back_url": back_url,
        "documents": offer["documents"] if offer else documents or [],
    }, status=200 if problem is None or request.method == "GET" else 400)
    # The form posts here and is then redirected to the gateway's own site.
    origins = sorted({origin for g in gateways for origin in g.form_origins(request)})
    if origins:
        response._csp_update = {"form-action": origins}
    return response


def _no_gateway_message():
    return gettext("Online payment is not available at the moment.")


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def pay(request, document):
    """Pay one document: GET shows the amount, POST opens the payment."""
    doc = _scoped(FinancialDocument, request.access, document)
    _require_pay_role(request.access)
    return _confirm(request, documents=[doc], back_url=doc.get_absolute_url())


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def pay_balance(request, currency):
    """Pay everything owed in one currency."""
    currency = currency.upper()
    if currency not in Currency.values:
        raise Http404
    _require_pay_role(request.access)
    return _confirm(request, currency=currency, back_url=reverse("portal:dashboard"))


def _poll(request) -> int:
    try:
        return max(0, min(int(request.GET.get("poll", 0)), POLL_TIMES))
    except ValueError:
        return 0


def _try_again_url(intent, documents, access) -> str:
    """Where to pay again after a cancelled or failed attempt; "" if nothing is due."""
    if intent.scope == PaymentIntent.Scope.BALANCE:
        return pay_balance_url(intent.currency, access=access)
    payable = [d for d in documents if pay_document_url(d, access=access)]
    return pay_document_url(payable[0], access=access) if len(payable) == 1 else ""


@never_cache
@require_http_methods(["GET"])
@member_required
def pay_return(request, intent):
    """Where the gateway sends the customer back: the state as the portal knows it.

    Paid, cancelled and failed each say so and offer the way on (the invoice, pay
    again). While the gateway has not answered, the page asks again every few
    seconds (htmx, the status part only), a bounded number of times, then stops and
    says what to do.
    """
    obj = _scoped(PaymentIntent, request.access, intent)
    documents = list(obj.documents.all())
    poll = _poll(request)
    context = {
        "intent": obj,
        "documents": documents,
        "gateway_label": gateway_label(obj.gateway),
        "can_cancel": obj.is_open and request.access.has_role(online.PAY_ROLE),
        "try_again_url": "" if obj.is_open or obj.status == PaymentIntent.Status.SUCCEEDED
        else _try_again_url(obj, documents, request.access),
        "poll_next": poll + 1 if obj.is_open and poll < POLL_TIMES else None,
        "poll_seconds": POLL_SECONDS,
        "gave_up": obj.is_open and poll >= POLL_TIMES,
    }
    template = "billing/online/_return_state.html" if request.htmx else (
        "billing/online/return.html")
    return render(request, template, context)


@require_POST
@member_required
def pay_cancel(request, intent):
    obj = _scoped(PaymentIntent, request.access, intent)
    _require_pay_role(request.access)
    online.cancel_payment(request.access, obj, request=request)
    return redirect("billing:pay_return", intent=obj.uuid)


@csrf_exempt
@require_POST
def pay_callback(request, gateway):
    """Server-to-server notification from a gateway; its signature is its credential."""
    outcome = online.handle_notification(gateway, request)
    if outcome.status == 200:
        body, content_type = get_gateway(gateway).acknowledge()
        return HttpResponse(body, content_type=content_type)
    return HttpResponse(outcome.result, status=outcome.status, content_type="text/plain")


# --- the fake gateway, mounted inside the portal for the demo ------------------------------
_fake_app = None


def _fake():
    global _fake_app
    if _fake_app is None:
        # Every process of the portal signs the fake's tokens with the same key, one
        # of this site's own: nothing published in the code signs them.
        _fake_app = FakeGatewayApp(mounted=True, token_key=salted_hmac(
            "billing.fake_gateway", "token-key").hexdigest())
    return _fake_app


@csrf_exempt
def fake_gateway(request, path=""):
    """The fake gateway's WSGI app under this URL, on a demo or test site that enables it."""
    if not fake_gateway_allowed():
        raise Http404
    prefix = reverse("billing:fake_gateway_home").rstrip("/")
    body = request.body
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": prefix,
        "PATH_INFO": "/" + path,
        "QUERY_STRING": request.META.get("QUERY_STRING", ""),
        "CONTENT_TYPE": request.META.get("CONTENT_TYPE", ""),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": request.META.get("HTTP_AUTHORIZATION", ""),
        # The portal's own origin, checked against ALLOWED_HOSTS by get_host().
        "HTTP_HOST": request.get_host(),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": BytesIO(body),
    }
    captured = {}

    def start_response(status, headers):
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers

    content = b"".join(_fake()(environ, start_response))
    response = HttpResponse(content, status=captured["status"])
    for name, value in captured["headers"]:
        if name.lower() != "content-length":
            response[name] = value
    return response
