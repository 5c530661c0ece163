"""What the portal holds about one person: the personal data report."""

from django.utils import timezone

from apps.client_portal.core.models import AuditEvent, Membership, Notification

from .models import AccessGrant, ActivationCode

AUDIT_LIMIT = 500


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def personal_data(user) -> dict:
    memberships = Membership.objects.filter(user=user).select_related("organization")
    events = AuditEvent.objects.filter(actor=user).select_related("organization")
    sessions = []
    try:
        from allauth.usersessions.models import UserSession

        sessions = [
            {"ip": s.ip, "device": s.user_agent, "created_at": _when(s.created_at),
             "last_seen_at": _when(s.last_seen_at)}
            for s in UserSession.objects.filter(user=user).order_by("-created_at")
        ]
    except (ImportError, RuntimeError):
        pass
    from allauth.account.models import EmailAddress

    return {
        "generated_at": _when(timezone.now()),
        "profile": {
            "login": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "phone": user.phone,
            "national_id": user.national_id, "national_id_country": user.national_id_country,
            "language": user.language, "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login), "active": user.is_active,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "memberships": [
            {"organization": m.organization.name, "role": m.get_role_display(),
             "role_code": m.role, "active": m.is_active, "since": _when(m.created_at)}
            for m in memberships
        ],
        "sessions": sessions,
        "access_grants": [
            {"organization": g.organization.name, "phone": g.phone,
             "outcome": g.get_outcome_display(), "at": _when(g.created_at)}
            for g in AccessGrant.objects.filter(user=user).select_related("organization")
        ],
        "activation_codes_used": [
            {"organization": a.organization.name, "used_at": _when(a.used_at)}
            for a in ActivationCode.objects.filter(used_by=user).select_related("organization")
        ],
        "notifications": {
            "total": Notification.objects.filter(user=user).count(),
            "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        },
        "audit_events_total": events.count(),
        "audit_events": [
            {"at": _when(e.at), "action": e.action, "object": e.object_repr,
             "organization": e.organization.name if e.organization else None, "ip": e.ip,
             "device": e.user_agent}
            for e in events[:AUDIT_LIMIT]
        ],
    }
