"""Sentences that carry a name never put a full stop right after it: an organization's
name may end in one ("Contoso Logistics Sp. z o.o."), which would read "o.o..".

A scan of every translatable text (templates, emails, Python messages) for a name
placeholder followed by ".", and the page where the walk met it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from .helpers import published

APPS = Path(__file__).resolve().parents[2] / "apps"
NAME = r"(?:org|organization|organisation|organization_name|client|client_name|company)"
PYTHON = re.compile(r"%\(" + NAME + r"\)s\.")
TAG = re.compile(r"\{%\s*blocktrans(?:late)?\b([^%]*)%\}")
BINDING = re.compile(r"(\w+)=([\w.]+)")
PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}\.")


def _names_in(template: str) -> set:
    """Template variables that hold an organization's name."""
    names = set()
    for tag in TAG.findall(template):
        for var, value in BINDING.findall(tag):
            if "organization" in value or re.fullmatch(NAME, var):
                names.add(var)
    return names


def _followed_by_a_period(path: Path) -> list:
    text = path.read_text(errors="replace")
    found = [m.group(0) for m in PYTHON.finditer(text)]
    if path.suffix in {".html", ".txt"}:
        names = _names_in(text)
        for match in PLACEHOLDER.finditer(text):
            expression = match.group(1)
            parts = expression.split(".")
            if (expression in names or re.fullmatch(NAME, expression)
                    or (re.fullmatch(NAME, parts[0]) or "organization" in parts[:-1])
                    and parts[-1] == "name"):
                found.append(match.group(0))
    return found


def test_no_text_puts_a_full_stop_after_an_organizations_name():
    problems = []
    for path in sorted(APPS.rglob("*")):
        if path.suffix not in {".py", ".html", ".txt"} or "locale" in path.parts:
            continue
        problems += [f"{path.relative_to(APPS.parent)}: {hit}"
                     for hit in _followed_by_a_period(path)]
    assert not problems, "\n".join(problems)


def test_the_scan_sees_the_forms_a_name_takes(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        "{% blocktranslate with who=activation.organization.name %}for {{ who }}."
        "{% endblocktranslate %} {{ organization.name }}. {{ org }}. {{ total }}. %(org)s.")
    assert _followed_by_a_period(sample) == ["%(org)s.", "{{ who }}.",
                                             "{{ organization.name }}.", "{{ org }}."]


@pytest.mark.django_db
def test_the_switch_offer_names_an_organization_ending_in_a_full_stop_once(demo, login):
    northwind, contoso = demo.organizations["northwind"], demo.organizations["contoso"]
    assert contoso.name.endswith(".")
    invoice = published(contoso, amount="80.00", number="WD-0001")
    client = login(demo.users["multi"], northwind)
    body = client.get(reverse("portal:detail", args=["invoices", invoice.uuid])).content.decode()
    assert 'data-testid="switch-offer"' in body
    assert f"belongs to {contoso.name}," in body and f"{contoso.name}." not in body
