"""The portal speaks English, Romanian, Bulgarian, Russian, Ukrainian and Polish,
with "5 000,00" and "21.06.2015" formats in the five non-English languages."""

import datetime as dt
import importlib.util
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from apps.client_portal.core.registry import format_value

BASE_DIR = Path(settings.BASE_DIR)
SCRIPT = BASE_DIR / "scripts" / "check_translations.py"

LANGUAGES = ["en", "ro", "bg", "ru", "uk", "pl"]
NBSP = "\xa0"

AMOUNT = {lang: f"5{NBSP}000,00" for lang in LANGUAGES} | {"en": "5,000.00"}
DAY = {lang: "21.06.2015" for lang in LANGUAGES} | {"en": "2015-06-21"}

# Strings of the portal shell, as the catalogs translate them.
SHELL = {
    "ro": {"Overview": "Prezentare generală", "Sign in": "Autentificare", "Search": "Căutare",
           "My account": "Contul meu", "Sign out": "Deconectare", "Language": "Limbă"},
    "bg": {"Overview": "Общ преглед", "Sign in": "Вход", "Search": "Търсене",
           "My account": "Моят профил", "Sign out": "Изход", "Language": "Език"},
    "ru": {"Overview": "Обзор", "Sign in": "Войти", "Search": "Поиск",
           "My account": "Мой профиль", "Sign out": "Выйти", "Language": "Язык"},
    "uk": {"Overview": "Огляд", "Sign in": "Увійти", "Search": "Пошук",
           "My account": "Мій профіль", "Sign out": "Вийти", "Language": "Мова"},
    "pl": {"Overview": "Przegląd", "Sign in": "Zaloguj się", "Search": "Szukaj",
           "My account": "Moje konto", "Sign out": "Wyloguj się", "Language": "Język"},
}


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_translations", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- Formats ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_amounts_are_grouped_the_local_way(lang):
    """A Decimal shows with two decimals and grouped thousands in the active language."""
    with translation.override(lang):
        assert format_value(Decimal("5000")) == AMOUNT[lang]
        separator = "," if lang == "en" else NBSP
        decimal = "." if lang == "en" else ","
        assert format_value(Decimal("-1234567.5")) == f"-1{separator}234{separator}567{decimal}50"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_use_the_short_local_format(lang):
    """Dates read 21.06.2015 in the five languages, ISO 2015-06-21 in English."""
    with translation.override(lang):
        assert format_value(dt.date(2015, 6, 21)) == DAY[lang]
    moment = dt.datetime(2015, 6, 21, 7, 5, tzinfo=dt.UTC)
    with translation.override(lang), timezone.override(ZoneInfo("Europe/Bucharest")):
        assert format_value(moment) == f"{DAY[lang]} 10:05"  # UTC+3 in summer


@pytest.mark.parametrize("lang", LANGUAGES)
def test_typed_dates_are_read_in_local_and_iso_form(lang):
    """Forms accept the local dotted date and the ISO date that date pickers send."""
    from django import forms

    with translation.override(lang):
        field = forms.DateField()
        assert field.clean("21.06.2015") == dt.date(2015, 6, 21)
        assert field.clean("2015-06-21") == dt.date(2015, 6, 21)
        assert "%d.%m.%Y" in formats.get_format("DATE_INPUT_FORMATS")


def test_romanian_groups_with_a_space_not_djangos_dot():
    """The product overrides Django's Romanian "5.000,00" with "5 000,00"."""
    with translation.override("ro"):
        assert formats.get_format("THOUSAND_SEPARATOR") == NBSP
        assert formats.number_format(Decimal("1000000"), use_l10n=True, force_grouping=True) == (
            f"1{NBSP}000{NBSP}000"
        )


# --- Catalogs ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(SHELL))
def test_shell_strings_are_translated(lang):
    with translation.override(lang):
        for english, expected in SHELL[lang].items():
            translated = gettext(english)
            assert translated != english
            assert translated == expected


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("ro", {1: "1 înregistrare", 2: "2 înregistrări", 19: "19 înregistrări",
                20: "20 de înregistrări", 101: "101 înregistrări"}),
        ("bg", {1: "1 запис", 2: "2 записа", 5: "5 записа"}),
        ("ru", {1: "1 запись", 3: "3 записи", 5: "5 записей", 11: "11 записей",
                21: "21 запись", 22: "22 записи"}),
        ("uk", {1: "1 запис", 4: "4 записи", 12: "12 записів", 31: "31 запис"}),
        ("pl", {1: "1 rekord", 2: "2 rekordy", 5: "5 rekordów", 12: "12 rekordów",
                22: "22 rekordy", 21: "21 rekordów"}),
    ],
)
def test_plural_forms_follow_the_language(lang, forms):
    """Each catalog's Plural-Forms picks the right form for the count."""
    with translation.override(lang):
        for count, expected in forms.items():
            text = ngettext("%(counter)s record", "%(counter)s records", count)
            assert text % {"counter": count} == expected


def test_catalogs_are_complete_and_compiled():
    """scripts/check_translations.py passes on the committed catalogs."""
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                            cwd=BASE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    for lang in SHELL:
        assert (BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.mo").exists()


def _copy_catalog(tmp_path, lang="ro"):
    target = tmp_path / "locale" / lang / "LC_MESSAGES"
    target.mkdir(parents=True)
    for name in ("django.po", "django.mo"):
        shutil.copy2(BASE_DIR / "locale" / lang / "LC_MESSAGES" / name, target / name)
    return target / "django.po"


def _rewrite(po, old, new):
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_checker_accepts_an_unchanged_catalog_even_when_the_mo_looks_older(tmp_path):
    """A fresh checkout can leave the .mo a moment older; same messages are not stale."""
    po = _copy_catalog(tmp_path)
    po.touch()
    checker = _load_checker()
    assert checker.check(tmp_path / "locale") == []


def test_checker_reports_untranslated_fuzzy_and_stale(tmp_path):
    po = _copy_catalog(tmp_path)
    checker = _load_checker()
    _rewrite(po, 'msgstr "Prezentare generală"', 'msgstr ""')
    _rewrite(po, 'msgid "Search"', '#, fuzzy\nmsgid "Search"')
    problems = checker.check(tmp_path / "locale")
    assert any("'Overview' is not translated" in p for p in problems)
    assert any("'Search' is fuzzy" in p for p in problems)
    assert any("out of date" in p for p in problems)
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "locale")],
                            capture_output=True, text=True)
    assert result.returncode == 1


def test_checker_reports_lost_placeholders_and_wrong_plural_count(tmp_path):
    po = _copy_catalog(tmp_path)
    _rewrite(po, 'msgstr "Editare: %(name)s"', 'msgstr "Editare"')
    _rewrite(po, "nplurals=3", "nplurals=2")
    problems = _load_checker().check(tmp_path / "locale")
    assert any("'Edit: %(name)s' does not keep the placeholders" in p for p in problems)
    assert any("nplurals=2, ro has 3" in p for p in problems)


# --- Language switcher --------------------------------------------------------------


def test_switcher_stores_the_language_on_the_account(demo, login, client):
    """POST /language/ remembers the choice on the user; the next page speaks it."""
    user = demo.users["owner"]
    user.language = ""
    user.save(update_fields=["language"])
    login(user, demo.organizations["northwind"])

    response = client.post("/language/", {"language": "pl", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "pl"

    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="pl">' in html
    assert "Przegląd" in html
    assert "Overview" not in html


def test_account_language_wins_in_a_new_session(demo, client):
    """On another device (no language cookie) the account's language still applies."""
    user = demo.users["owner"]
    user.language = "bg"
    user.save(update_fields=["language"])
    client.force_login(user)
    from apps.client_portal.core.middleware import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = str(demo.organizations["northwind"].uuid)
    session.save()

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="bg">' in html
    assert "Общ преглед" in html


def test_switcher_for_a_visitor_sets_only_the_cookie(db, client):
    """Before signing in, the choice lives in the language cookie."""
    response = client.post("/language/", {"language": "uk", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"

    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="uk">' in html
    assert "Увійти" in html


def test_switcher_ignores_a_language_the_portal_does_not_ship(demo, login, client):
    user = demo.users["owner"]
    user.language = "ro"
    user.save(update_fields=["language"])
    login(user, demo.organizations["northwind"])

    client.post("/language/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ro"
