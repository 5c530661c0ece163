"""Demo data of the core: a provider's staff and its client organizations.

Every name here is invented; every address is under example.com. Modules add
their own records in ``<module>/demo.py`` (a ``seed(ctx)`` function), called
in the order of INSTALLED_APPS after this one.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from . import messages
from .models import (
    Announcement,
    AuditEvent,
    Feedback,
    FeedbackReply,
    Membership,
    Notification,
    Organization,
)
from .tenancy import Role

DEMO_PASSWORD = "Portal-demo-2026"


@dataclass
class DemoContext:
    rows: int = 60  # how many records of each kind an organization gets, roughly
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    organizations: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)
    now: dt.datetime = field(default_factory=timezone.now)


def make_user(ctx, key, email, first, last, *, staff=False, superuser=False, groups=(),
              phone=""):
    User = get_user_model()
    user = User.objects.create_user(
        username=f"{first}.{last}".lower(),
        email=email, password=DEMO_PASSWORD, first_name=first, last_name=last,
        is_staff=staff or superuser, is_superuser=superuser, phone=phone,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    ctx.users[key] = user
    return user


def add_member(ctx, user, org_key, role):
    org = ctx.organizations[org_key]
    Membership.objects.create(user=user, organization=org, role=role)
    ctx.logins.append({"email": user.email, "password": DEMO_PASSWORD,
                       "organization": org.name, "role": str(role)})


ORGANIZATIONS = [
    ("northwind", dict(kind="company", name="Northwind Trading SRL", country="RO",
                       registration_number="18547290", vat_number="RO18547290",
                       address="Str. Exemplului 12", city="Cluj-Napoca", postal_code="400001",
                       email="office@northwind.example.com", phone="+40264000111",
                       client_code="C-1001")),
    ("ana", dict(kind="person", name="Ana Popescu", country="RO",
                 registration_number="2850712400027", address="Bd. Demo 5, ap. 7",
                 city="Bucharest", postal_code="010101", email="ana.popescu@example.com",
                 phone="+40721000222", client_code="C-1002")),
    ("contoso", dict(kind="company", name="Contoso Logistics Sp. z o.o.", country="PL",
                     registration_number="192598184", vat_number="PL8567346215",
                     address="ul. Przykładowa 3", city="Kraków", postal_code="30-001",
                     email="biuro@contoso.example.com", phone="+48123000333",
                     client_code="C-1003")),
    ("fabrikam", dict(kind="company", name="Fabrikam Energy EOOD", country="BG",
                      registration_number="175074752", vat_number="BG175074752",
                      address="ul. Primerna 9", city="Sofia", postal_code="1000",
                      email="office@fabrikam.example.com", phone="+35929000444",
                      client_code="C-1004")),
]


def seed(ctx: DemoContext):
    from .management.commands.sync_roles import sync_roles

    sync_roles()
    for key, data in ORGANIZATIONS:
        org = Organization(**data)
        org.full_clean()
        org.save()
        ctx.organizations[key] = org

    people = [
        ("owner", "owner@northwind.example.com", "Olivia", "Owens", "northwind", Role.OWNER),
        ("manager", "manager@northwind.example.com", "Marek", "Manning", "northwind",
         Role.MANAGER),
        ("member", "member@northwind.example.com", "Mira", "Mendel", "northwind", Role.MEMBER),
        ("viewer", "viewer@northwind.example.com", "Victor", "Vale", "northwind", Role.VIEWER),
        ("ana", "ana.popescu@example.com", "Ana", "Popescu", "ana", Role.OWNER),
        ("contoso_owner", "owner@contoso.example.com", "Piotr", "Nowak", "contoso", Role.OWNER),
        ("fabrikam_owner", "owner@fabrikam.example.com", "Elena", "Petrova", "fabrikam",
         Role.OWNER),
    ]
    for key, email, first, last, org_key, role in people:
        user = make_user(ctx, key, email, first, last)
        add_member(ctx, user, org_key, role)
    multi = make_user(ctx, "multi", "dual@example.com", "Dana", "Dual")
    add_member(ctx, multi, "northwind", Role.MEMBER)
    add_member(ctx, multi, "contoso", Role.MANAGER)

    staff = [
        ("admin", "admin@example.com", "Ada", "Admin", ["Administrator"], True),
        ("billing", "billing@example.com", "Bill", "Clerk", ["Billing clerk"], False),
        ("service", "service@example.com", "Sam", "Agent", ["Service agent"], False),
        ("loans", "loans@example.com", "Lena", "Officer", ["Loan officer"], False),
        ("bureau", "bureau@example.com", "Boris", "Analyst", ["Bureau analyst"], False),
    ]
    for key, email, first, last, groups, superuser in staff:
        make_user(ctx, key, email, first, last, staff=True, superuser=superuser, groups=groups)
        ctx.logins.append({"email": email, "password": DEMO_PASSWORD,
                           "organization": "", "role": "staff: " + ", ".join(groups)})

    Announcement.objects.create(
        title="Planned maintenance on Saturday night",
        body="The portal will be unavailable on Saturday from 01:00 to 03:00.",
        important=True, published_at=ctx.now - dt.timedelta(days=1),
    )
    targeted = Announcement.objects.create(
        title="New tariffs for business clients", audience_all=False,
        body="From the first of next month the business tariffs change; see Tariffs.",
        published_at=ctx.now - dt.timedelta(days=3),
    )
    targeted.organizations.add(ctx.organizations["northwind"], ctx.organizations["contoso"])
    # One message for each organization alone, so that every organization has
    # announcements no other one may read.
    for org in ctx.organizations.values():
        own = Announcement.objects.create(
            title=f"Your account manager for {org.name} changes", audience_all=False,
            body="From next week a new account manager looks after your contracts.",
            published_at=ctx.now - dt.timedelta(days=2),
        )
        own.organizations.add(org)

    subjects = ["Invoice PDF does not open", "Add a column for the due date",
                "Wrong address on the contract", "Export to XLSX please",
                "Balance looks too high", "Cannot find last month's act"]
    answers = ["Thank you, we have corrected it; please check again.",
               "We are looking into it and will write back within two days.",
               "This is planned for the next version of the portal."]
    statuses = [Feedback.Status.NEW, Feedback.Status.ANSWERED, Feedback.Status.IN_PROGRESS,
                Feedback.Status.CLOSED, Feedback.Status.ANSWERED, Feedback.Status.WITHDRAWN]
    for org_key, author_key in [("northwind", "member"), ("ana", "ana"), ("contoso", "multi"),
                                ("fabrikam", "fabrikam_owner")]:
        for index in range(max(3, ctx.rows // 4)):
            status = statuses[index % len(statuses)]
            sent = ctx.now - dt.timedelta(days=index + 1, hours=3)
            feedback = Feedback.objects.create(
                organization=ctx.organizations[org_key], author=ctx.users[author_key],
                kind=ctx.rng.choice(list(Feedback.Kind.values)),
                subject=f"{ctx.rng.choice(subjects)} #{index + 1}",
                body="Described in a few words by the client.", page="/", status=status,
            )
            if status in (Feedback.Status.ANSWERED, Feedback.Status.CLOSED):
                FeedbackReply.objects.create(
                    organization=feedback.organization, feedback=feedback,
                    author=ctx.users["service"], from_staff=True,
                    body=answers[index % len(answers)], created_at=sent + dt.timedelta(hours=5))
            if status == Feedback.Status.CLOSED:
                FeedbackReply.objects.create(
                    organization=feedback.organization, feedback=feedback,
                    author=ctx.users[author_key], body="Thank you, it works now.",
                    created_at=sent + dt.timedelta(hours=9))

    # A little history for each organization's audit log (documentation IP range).
    for index, (user_key, org_key) in enumerate(
        [("owner", "northwind"), ("member", "northwind"), ("ana", "ana"),
         ("contoso_owner", "contoso"), ("fabrikam_owner", "fabrikam")]
    ):
        user = ctx.users[user_key]
        AuditEvent.objects.create(
            at=ctx.now - dt.timedelta(days=1, minutes=index), actor=user,
            actor_label=str(user), organization=ctx.organizations[org_key], action="login",
            object_type=user._meta.label_lower, object_id=str(user.pk),
            object_repr=user.get_full_name(),
            ip=f"192.0.2.{10 + index}", user_agent="Mozilla/5.0 (X11; Linux x86_64) Demo",
        )

    # What the system says is a message id, written in the reader's language when read
    # (core/messages.py); each links to the pages where the client acts on it.
    notices = [
        (messages.INVOICE_READY, Notification.Level.INFO, "/p/invoices/"),
        (messages.PAYMENT_RECEIVED, Notification.Level.SUCCESS, "/p/payments/"),
        (messages.CASE_ANSWERED, Notification.Level.INFO, "/p/feedback/"),
        (messages.SIGNATURE_AWAITED, Notification.Level.WARNING, "/p/documents/"),
        (messages.READING_WINDOW, Notification.Level.WARNING, "/"),
    ]
    for user_key, org_key in [("owner", "northwind"), ("member", "northwind"),
                              ("viewer", "northwind"), ("ana", "ana"), ("multi", "northwind"),
                              ("multi", "contoso"), ("contoso_owner", "contoso"),
                              ("fabrikam_owner", "fabrikam"), ("manager", "northwind")]:
        rows = []
        for index in range(ctx.rows):
            message, level, link = ctx.rng.choice(notices)
            values = {}
            if message == messages.PAYMENT_RECEIVED:
                values = messages.params(amount=Decimal(ctx.rng.randint(5000, 250000)) / 100,
                                         currency="RON")
            rows.append(Notification(
                user=ctx.users[user_key], organization=ctx.organizations[org_key],
                message=message, params=values, level=level, link=link,
                created_at=ctx.now - dt.timedelta(hours=index * 7),
                read_at=None if index % 3 else ctx.now,
            ))
        Notification.objects.bulk_create(rows)
