"""Notifications: the in-portal inbox, and email where the organization allows it."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from . import jobs
from .models import Notification


def send_notification_email(user_email: str, language: str, subject: str, body: str, link: str):
    with translation.override(language or settings.LANGUAGE_CODE):
        text = f"{body}\n\n{link}" if link else body
        send_mail(subject, text, None, [user_email])


def notify(users, organization, title: str, body: str = "", link: str = "", level="info",
           email: bool = True) -> list[Notification]:
    """Put a message in each user's inbox; email it if the organization wants email."""
    created = []
    for user in users:
        created.append(
            Notification.objects.create(
                user=user, organization=organization, title=title, body=body, link=link,
                level=level,
            )
        )
        if email and organization.notify_by_email and user.email:
            absolute = f"{settings.PORTAL_BASE_URL}{link}" if link.startswith("/") else link
            jobs.enqueue(
                send_notification_email, user.email, getattr(user, "language", ""), title, body,
                absolute,
            )
    return created
