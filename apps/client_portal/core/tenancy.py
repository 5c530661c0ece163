"""Who is asking, and the one predicate that decides what they may reach.

Every portal page and API call that touches client data builds an ``Access``
and goes through ``ScopedQuerySet.for_access``. The same predicate serves
lists and single records, so a list filter and a direct link cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Membership, Organization


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 10, Role.MEMBER: 20, Role.MANAGER: 30, Role.OWNER: 40}
# Provider-wide API keys act for the provider across all organizations.
PROVIDER_RANK = 100


def role_rank(role: str | None) -> int:
    return ROLE_RANK.get(role, 0) if role else 0


@dataclass(frozen=True)
class Access:
    """A principal acting for one organization (or provider-wide) with a role."""

    user: Any | None
    organization: Organization | None
    role: str | None
    via: str = "session"
    api_key: Any | None = None
    membership: Membership | None = None

    @property
    def provider_wide(self) -> bool:
        return self.organization is None and self.via == "api_key"

    @property
    def rank(self) -> int:
        return PROVIDER_RANK if self.provider_wide else role_rank(self.role)

    def has_role(self, minimum: str) -> bool:
        return self.rank >= role_rank(minimum)

    @property
    def actor_label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        return str(self.user) if self.user else "anonymous"


@dataclass(frozen=True)
class Tenancy:
    """How a row belongs to an organization (and optionally to one user).

    ``organization`` is the lookup path from the model to ``Organization``
    ("organization", "invoice__organization"), or "self" for Organization.
    ``user`` is set where a row belongs to one person, such as notifications.
    """

    organization: str = "organization"
    user: str | None = None

    def organization_filter(self, organization) -> dict:
        if self.organization == "self":
            return {"pk": organization.pk}
        return {self.organization: organization.pk}


class ScopedQuerySet(models.QuerySet):
    """QuerySet of an organization-scoped model; see ``Tenancy``."""

    def for_access(self, access: Access):
        tenancy: Tenancy = self.model.tenancy
        if access is None:
            return self.none()
        if access.provider_wide:
            return self.all()
        if access.organization is None:
            return self.none()
        conditions = tenancy.organization_filter(access.organization)
        if tenancy.user:
            if access.user is None:
                return self.none()
            conditions[tenancy.user] = access.user.pk
        return self.filter(**conditions)

    def for_member(self, user, organization):
        """Rows ``user`` may reach while acting for ``organization``."""
        from .models import Membership

        membership = (
            Membership.objects.filter(user=user, organization=organization, is_active=True)
            .select_related("organization")
            .first()
        )
        if membership is None:
            return self.none()
        return self.for_access(membership.access())
