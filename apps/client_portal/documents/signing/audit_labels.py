"""How the audit log describes the actions this module records (core/auditview.py)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

DESCRIPTIONS: dict = {}
