"""Who is asking, and the one predicate that decides what they may reach.

Every portal page and API call that touches client data builds an ``Access``
and goes through ``ScopedQuerySet.for_access``. The same predicate serves
lists and single records, so a list filter and a direct link cannot disagree.
How a model's rows belong to organizations is declared once, on the model, as
a ``Tenancy``; no model overrides the predicate (a system check says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Membership, Organization


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


# The provider itself (back office, provider-wide API keys): above every membership
# role. An action declared with role=PROVIDER is never offered to a client.
PROVIDER = "provider"
ROLE_RANK = {Role.VIEWER: 10, Role.MEMBER: 20, Role.MANAGER: 30, Role.OWNER: 40, PROVIDER: 100}
ROLES = frozenset(ROLE_RANK)


def role_rank(role: str | None) -> int:
    return ROLE_RANK.get(role, 0) if role else 0


def lower_role(first: str | None, second: str | None) -> str | None:
    """The lesser of two roles (None if either is None)."""
    if not first or not second:
        return None
    return first if role_rank(first) <= role_rank(second) else second


@dataclass(frozen=True)
class Access:
    """A principal acting for one organization (or for the provider) with a role.

    ``via`` says through which door: "session" (a portal member), "api_key",
    or "provider" (staff in the back office, jobs, provider-wide keys).
    """

    user: Any | None
    organization: Organization | None
    role: str | None
    via: str = "session"
    api_key: Any | None = None
    membership: Membership | None = None

    @classmethod
    def provider(cls, user=None, organization=None, *, api_key=None) -> Access:
        """The provider's own view: every organization, or one of them."""
        return cls(user=user, organization=organization, role=PROVIDER, via="provider",
                   api_key=api_key)

    @property
    def is_provider(self) -> bool:
        return self.role == PROVIDER

    @property
    def provider_wide(self) -> bool:
        """The provider across all organizations."""
        return self.is_provider and self.organization is None

    @property
    def rank(self) -> int:
        return role_rank(self.role)

    def has_role(self, minimum: str) -> bool:
        return self.rank >= role_rank(minimum)

    @property
    def actor_label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        return str(self.user) if self.user else "system"


Condition = Q | Callable[[], Q] | None


@dataclass(frozen=True)
class Tenancy:
    """How a model's rows belong to organizations, declared on the model.

    - ``organization``: the lookup path from the model to ``Organization``
      ("organization", "document__organization"), "self" for Organization
      itself, or "" for rows that belong to no organization (a price list).
    - ``user``: set where a row belongs to one person (notifications).
    - ``everyone``: rows every organization may read besides its own (an
      announcement to all clients). A ``Q`` or a function returning one.
    - ``clients_see``: the part of the rows clients may read at all (a draft
      invoice is the provider's until published); the provider reads all.
    - ``shared``: true where the rows are the same for every organization and
      hold no client data; the cross-organization sweep has nothing to prove.
    """

    organization: str = "organization"
    user: str | None = None
    everyone: Condition = None
    clients_see: Condition = None

    @property
    def shared(self) -> bool:
        return self.organization == ""

    def organization_q(self, organization) -> Q:
        if self.organization == "self":
            return Q(pk=organization.pk)
        if self.shared:
            return Q()
        return Q(**{self.organization: organization.pk})

    @staticmethod
    def _resolve(condition: Condition) -> Q | None:
        return condition() if callable(condition) else condition

    def q(self, access: Access) -> Q | None:
        """The rows ``access`` may read, as a ``Q``; None for nothing at all."""
        if access is None:
            return None
        if access.provider_wide:
            return Q()
        if access.organization is None:
            return None
        condition = self.organization_q(access.organization)
        everyone = self._resolve(self.everyone)
        if everyone is not None:
            condition = condition | everyone
        if access.is_provider:
            return condition  # the provider reads every row of the organization
        if self.user:
            if access.user is None:
                return None
            condition &= Q(**{self.user: access.user.pk})
        visible = self._resolve(self.clients_see)
        if visible is not None:
            condition &= visible
        return condition


class ScopedQuerySet(models.QuerySet):
    """The queryset of every organization-scoped model; see ``Tenancy``."""

    def for_access(self, access: Access):
        """Everything ``access`` may read: the one predicate."""
        tenancy: Tenancy = self.model.tenancy
        condition = tenancy.q(access)
        if condition is None:
            return self.none()
        qs = self.filter(condition)
        if _through_many(self.model, tenancy):
            qs = qs.distinct()
        return qs

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

    def for_organization(self, organization):
        """The rows of one organization as the provider sees them (services, jobs)."""
        return self.for_access(Access.provider(organization=organization))


@cache
def _through_many(model, tenancy: Tenancy) -> bool:
    """Whether the organization path crosses a to-many relation (rows would repeat)."""
    if tenancy.organization in ("", "self"):
        return False
    opts = model._meta
    for part in tenancy.organization.split("__"):
        field = opts.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        opts = field.related_model._meta
    return False
