"""A record's page reads as a person reads it: no internals (identifiers, storage
names, checksums, raw codes, "Name <email> @ Organization (Role)" strings) in what
the demo Owner reads on the page of one record of every resource."""

import html
import re

import pytest

from apps.client_portal.core.registry import registry
from apps.client_portal.core.tenancy import Access, Role

pytestmark = pytest.mark.django_db

LEFTOVERS = {
    "an identifier": re.compile(
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    "a checksum": re.compile(r"\b[0-9a-f]{40,64}\b"),
    "an address in angle brackets": re.compile(r"<[^<>\s]+@[^<>\s]+>"),
    "a person @ organization (role)": re.compile(r"@ .+\(.+\)"),
    "a size in bytes": re.compile(r"\bbytes\b", re.I),
    "a content type": re.compile(r"\b(?:application|image|text)/[a-z0-9.+-]+\b"),
}
# Pages for integrators, whose content is what the integrator's programs receive: a
# webhook delivery shows the payload as it was sent (with its identifiers).
FOR_PROGRAMS = {"webhook-deliveries"}
# Known leftovers in declarations outside this area, kept visible: a strict xfail
# turns red once they are gone, so that the entry is removed.
KNOWN: dict[str, str] = {}


def _visible_text(page: str) -> str:
    main = page.split('id="main"', 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", main))


def _resources():
    found = []
    for resource in registry:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[resource.slug])] if (
            resource.slug in KNOWN) else []
        if resource.slug not in FOR_PROGRAMS:
            found.append(pytest.param(resource.slug, marks=marks, id=resource.slug))
    return found


@pytest.mark.parametrize("slug", _resources())
def test_a_record_page_shows_no_internals(demo, login, slug):
    owner, org = demo.users["owner"], demo.organizations["northwind"]
    resource = registry.get(slug)
    access = Access(user=owner, organization=org, role=Role.OWNER)
    if not resource.may_read(access):
        pytest.skip("not a page of a company's Owner")
    obj = resource.get_queryset(access).first()
    assert obj is not None, "the demo has a record of every resource for Northwind"
    page = login(owner, org).get(f"/p/{slug}/{obj.uuid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = _visible_text(page.content.decode())
    found = {what: pattern.search(text).group(0) for what, pattern in LEFTOVERS.items()
             if pattern.search(text)}
    assert not found, f"{slug}: {found}"


def test_a_persons_page_is_titled_with_their_name(demo, login):
    from apps.client_portal.core.models import Membership

    org = demo.organizations["northwind"]
    person = Membership.objects.select_related("user").get(
        organization=org, user=demo.users["multi"])
    page = login(demo.users["owner"], org).get(f"/p/people/{person.uuid}/",
                                                HTTP_ACCEPT_LANGUAGE="en").content.decode()
    name = person.user.get_full_name()
    assert name and f"<h1>{name}</h1>" in page and f"<title>{name}" in page
    text = _visible_text(page)
    assert person.user.email in text and "Member" in text  # fields of their own
    assert str(person) == name
