"""Demo API keys and webhooks, so that the key lists and delivery logs are not empty.

The key secrets are thrown away at once; a demo user creates a usable key in the
portal (API keys, New) or staff in the back office. The webhooks point at
fictional example.com hosts, and their deliveries are written as rows: seeding
sends nothing anywhere.
"""

import datetime as dt

from apps.client_portal.core.tenancy import Role

from .models import (
    WEBHOOK_DEMO,
    ApiKey,
    WebhookDelivery,
    WebhookEndpoint,
    generate_webhook_secret,
)


def seed(ctx):
    for org_key, user_key, name in [
        ("northwind", "owner", "Northwind ERP sync"),
        ("ana", "ana", "Home budget app"),
        ("contoso", "contoso_owner", "Contoso warehouse"),
        ("fabrikam", "fabrikam_owner", "Fabrikam meter gateway"),
    ]:
        key = ApiKey(name=name, organization=ctx.organizations[org_key],
                     created_by=ctx.users[user_key], role=Role.VIEWER,
                     expires_at=ctx.now + dt.timedelta(days=365))
        key.generate()
        key.full_clean()
        key.save()

    _seed_webhooks(ctx)


def _seed_webhooks(ctx):
    # The demo's own changes are events too (billing publishes invoices while
    # seeding): the active endpoint subscribes only to steps the seeding never takes,
    # and the others are disabled, so that nothing is sent to these fictional hosts.
    off = {"is_active": False, "disabled_at": ctx.now, "disabled_message": WEBHOOK_DEMO}
    northwind = WebhookEndpoint.objects.create(
        organization=ctx.organizations["northwind"], created_by=ctx.users["owner"],
        url="https://hooks.northwind.example.com/portal", description="Northwind ERP inbox",
        event_types=["feedback.mark_answered", "invoices.cancel"],
        secret=generate_webhook_secret(),
    )
    WebhookEndpoint.objects.create(
        organization=ctx.organizations["northwind"], created_by=ctx.users["owner"],
        url="https://old-erp.northwind.example.com/hooks", description="Old ERP",
        event_types=["*"], secret=generate_webhook_secret(), **off,
    )
    contoso = WebhookEndpoint.objects.create(
        organization=ctx.organizations["contoso"], created_by=ctx.users["contoso_owner"],
        url="https://hooks.contoso.example.com/events", description="Contoso warehouse",
        event_types=["*"], secret=generate_webhook_secret(), **off,
    )
    sent = ctx.now - dt.timedelta(days=2)
    for number, (endpoint, event_type, status, code, attempts) in enumerate([
        (northwind, "invoices.cancel", WebhookDelivery.Status.SUCCEEDED, 200, 1),
        (northwind, "feedback.mark_answered", WebhookDelivery.Status.GAVE_UP, 503, 8),
        (contoso, "feedback.created", WebhookDelivery.Status.SUCCEEDED, 204, 2),
    ]):
        at = sent + dt.timedelta(hours=number)
        org = endpoint.organization
        WebhookDelivery.objects.create(
            organization=org, endpoint=endpoint, event_id=f"msg_demo{number:02d}{org.pk}",
            event_type=event_type, status=status, attempts=attempts,
            payload={"type": event_type, "timestamp": at.isoformat(),
                     "data": {"organization": str(org.uuid)}},
            last_response_code=code,
            last_response_body="Service Unavailable" if code == 503 else "",
            created_at=at, delivered_at=None if code == 503 else at,
        )
