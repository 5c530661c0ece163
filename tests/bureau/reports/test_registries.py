import pytest
from django.test import override_settings

from apps.client_portal.bureau.reports import registries
from apps.client_portal.bureau.reports.models import RegistryLookup, Usage
from apps.client_portal.bureau.reports.registries import fake_server
from apps.client_portal.bureau.reports.registries.base import RegistryError
from apps.client_portal.bureau.reports.registries.company import CompanyRegister
from apps.client_portal.bureau.reports.registries.population import PopulationRegister, parse_xml
from apps.client_portal.bureau.reports.registries.tax import TaxAuthority
from apps.client_portal.core.errors import Refused

from .conftest import COMPANY_IDNO, PERSON_IDNP, order


@pytest.fixture(scope="module")
def fake():
    with fake_server.running_fake_registries() as (url, app):
        yield url, app


def _options(url, **changes):
    return {**fake_server.FAKE_CREDENTIALS, "BASE_URL": url, **changes}


def test_population_register_speaks_soap(fake):
    url, app = fake
    answer = PopulationRegister(_options(url)).lookup(PERSON_IDNP)
    assert answer.found and answer.name == "Ion Rusu"
    assert answer.data["BirthDate"] == "1984-03-12"
    assert ("POST", "/population/soap") in app.requests
    assert not PopulationRegister(_options(url)).lookup("2000000000004").found
    with pytest.raises(RegistryError, match="Unknown requester"):
        PopulationRegister(_options(url, REQUESTER="someone")).lookup(PERSON_IDNP)


def test_company_register_speaks_rest_with_a_token(fake):
    url, _app = fake
    answer = CompanyRegister(_options(url)).lookup(COMPANY_IDNO)
    assert answer.found and answer.name == "Exemplu Construct SRL"
    assert not CompanyRegister(_options(url)).lookup("1000000000007").found
    with pytest.raises(RegistryError, match="401"):
        CompanyRegister(_options(url, COMPANY_TOKEN="wrong")).lookup(COMPANY_IDNO)


def test_tax_authority_signs_both_ways(fake):
    url, _app = fake
    answer = TaxAuthority(_options(url)).lookup(COMPANY_IDNO)
    assert answer.found and answer.data["arrears"] == "5200.00"
    with pytest.raises(RegistryError):
        TaxAuthority(_options(url, TAX_KEY="wrong")).lookup(COMPANY_IDNO)


def test_an_answer_signed_with_another_key_is_refused(fake):
    url, _app = fake
    other = fake_server.FakeRegistries({"TAX_KEY": "another-key"})
    with (fake_server.running_fake_registries(other) as (other_url, _),
          pytest.raises(RegistryError)):
        TaxAuthority(_options(other_url, TAX_KEY="another-key-but-not-quite")).lookup(
            COMPANY_IDNO)


def test_a_soap_answer_with_a_doctype_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(RegistryError, match="DOCTYPE"):
        parse_xml(bomb)


@pytest.mark.django_db
def test_each_lookup_is_a_report_of_its_kind_and_takes_quota(nw_access, northwind):
    used = sum(Usage.objects.filter(organization=northwind, service="lookups")
               .values_list("used", flat=True))
    person = order(nw_access, "registry-lookups", kind="population")
    company = order(nw_access, "registry-lookups", kind="company", subject_id=COMPANY_IDNO)
    tax = order(nw_access, "registry-lookups", kind="tax", subject_id=COMPANY_IDNO)
    for lookup in (person, company, tax):
        lookup.refresh_from_db()
        assert lookup.found and lookup.subject_name
    assert person.subject_kind == "person" and tax.subject_kind == "company"
    assert tax.result["currency"] == "MDL"
    after = sum(Usage.objects.filter(organization=northwind, service="lookups")
                .values_list("used", flat=True))
    assert after == used + 3


@pytest.mark.django_db
def test_a_register_that_does_not_answer_takes_nothing(nw_access, northwind):
    before = RegistryLookup.objects.count()
    used = sum(Usage.objects.filter(organization=northwind, service="lookups")
               .values_list("used", flat=True))
    with (override_settings(BUREAU_REGISTRIES={"BASE_URL": "http://127.0.0.1:9",
                                               "TIMEOUT": 2}),
          pytest.raises(Refused) as refused):
        order(nw_access, "registry-lookups", kind="company", subject_id=COMPANY_IDNO)
    assert refused.value.code == "unavailable"
    assert RegistryLookup.objects.count() == before
    assert sum(Usage.objects.filter(organization=northwind, service="lookups")
               .values_list("used", flat=True)) == used


@pytest.mark.django_db
def test_a_site_that_is_not_a_demo_gets_no_fake(settings):
    settings.DEBUG = False
    settings.SITE_NAME = "production"
    settings.BUREAU_REGISTRIES = {}
    with pytest.raises(registries.RegistryNotConfigured):
        registries.options()


@pytest.mark.django_db
def test_the_lookup_page_shows_the_answer(login, demo, nw_access):
    lookup = order(nw_access, "registry-lookups", kind="company", subject_id=COMPANY_IDNO)
    client = login(demo.users["member"], demo.organizations["northwind"])
    body = client.get(f"/p/registry-lookups/{lookup.uuid}/").content.decode()
    assert "The register&#x27;s answer" in body or "The register's answer" in body
    assert "Exemplu Construct SRL" in body
    listing = client.get("/p/registry-lookups/").content.decode()
    assert "ASP reports" in listing
