"""Check the portal's message catalogs; exit 1 when one is incomplete or stale.

    .venv/bin/python scripts/check_translations.py [LOCALE_DIR]

For every locale/<lang>/LC_MESSAGES/*.po it reports:
- entries without a translation, and fuzzy entries (msgfmt leaves both out of
  the .mo, so the page would silently fall back to English);
- a translation whose %(name)s placeholders differ from the original's (a
  missing key raises KeyError when the message is formatted);
- a Plural-Forms header that does not match the language, or a plural entry
  without one form per plural;
- a missing .mo, or a .mo older than its .po whose catalog no longer matches it.

The .mo files are committed, so that a machine without gettext still has them.
Git does not keep file times, so a fresh checkout may leave a .mo a moment older
than its .po; an older .mo therefore counts as stale only when its compiled
messages differ from the .po. Pure Python: msgfmt is not needed to run this.
"""

from __future__ import annotations

import ast
import gettext
import re
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"

# The number of plural forms each shipped language has (gettext's usual rules).
NPLURALS = {"ro": 3, "bg": 2, "ru": 3, "uk": 3, "pl": 3}

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfir]")


class Entry:
    def __init__(self):
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.flags: set[str] = set()
        self.line = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, obsolete ones (#~) left out; the header is entry 0."""
    entries: list[Entry] = []
    entry: Entry | None = None
    field: tuple[str, int] | None = None

    def finish():
        nonlocal entry
        if entry is not None and (entry.msgid or entry.msgstr or not entries):
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
                field = None
            continue
        if line.startswith("#"):
            if entry is not None and field is not None and field[0] == "msgstr":
                finish()
                field = None
            if entry is None:
                entry = Entry()
                entry.line = number
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if entry is None or field is None:
                raise ValueError(f"{path}:{number}: a string outside an entry")
            _append(entry, field, _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and entry is not None and field is not None and (
            field[0] == "msgstr"
        ):
            finish()
        if entry is None:
            entry = Entry()
            entry.line = number
        if keyword == "msgctxt":
            entry.msgctxt = ""
            field = ("msgctxt", 0)
        elif keyword == "msgid":
            field = ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.msgid_plural = ""
            field = ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0] = ""
            field = ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            entry.msgstr[index] = ""
            field = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: cannot read {line[:40]!r}")
        _append(entry, field, _unquote(rest))
    finish()
    return entries


def _append(entry: Entry, field: tuple[str, int], text: str) -> None:
    name, index = field
    if name == "msgstr":
        entry.msgstr[index] += text
    elif name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgid += text


def _headers(header: Entry) -> dict[str, str]:
    result = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, _, value = line.partition(":")
        result[name.strip()] = value.strip()
    return result


def _compiled(entry: Entry) -> dict:
    """What msgfmt puts in the .mo for this entry, keyed as Python's gettext reads it."""
    if entry.msgid_plural is not None:
        return {(entry.key, index): text for index, text in entry.msgstr.items()}
    return {entry.key: entry.msgstr[0]}


def check_po(po_path: Path, language: str) -> list[str]:
    problems = []
    where = po_path.relative_to(po_path.parents[3]) if len(po_path.parents) > 3 else po_path
    try:
        entries = parse_po(po_path)
    except (ValueError, SyntaxError) as error:
        return [f"{where}: unreadable: {error}"]
    if not entries or entries[0].msgid != "":
        return [f"{where}: no header entry"]
    header, messages = entries[0], entries[1:]
    if "fuzzy" in header.flags:
        problems.append(f"{where}: the header is marked fuzzy")
    plural_forms = _headers(header).get("Plural-Forms", "")
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    nplurals = int(match.group(1)) if match else None
    expected = NPLURALS.get(language)
    if nplurals is None:
        problems.append(f"{where}: no Plural-Forms header")
    elif expected is not None and nplurals != expected:
        problems.append(f"{where}: Plural-Forms has nplurals={nplurals}, {language} has {expected}")

    for entry in messages:
        label = f"{where}:{entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{label} is fuzzy")
        if not entry.translated:
            problems.append(f"{label} is not translated")
            continue
        source = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            source |= set(PLACEHOLDER.findall(entry.msgid_plural))
            if nplurals is not None and sorted(entry.msgstr) != list(range(nplurals)):
                problems.append(f"{label} has {len(entry.msgstr)} plural forms, not {nplurals}")
            for text in entry.msgstr.values():
                unknown = set(PLACEHOLDER.findall(text)) - source
                if unknown:
                    problems.append(f"{label} uses unknown placeholders {sorted(unknown)}")
        elif set(PLACEHOLDER.findall(entry.msgstr[0])) != source:
            problems.append(f"{label} does not keep the placeholders {sorted(source)}")

    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{where}: not compiled (no {mo_path.name}); run compilemessages")
        return problems
    if mo_path.stat().st_mtime < po_path.stat().st_mtime:
        expected_catalog = {}
        for entry in messages:
            if entry.translated and "fuzzy" not in entry.flags:
                expected_catalog.update(_compiled(entry))
        with mo_path.open("rb") as handle:
            catalog = dict(gettext.GNUTranslations(handle)._catalog)
        catalog.pop("", None)
        if catalog != expected_catalog:
            problems.append(f"{where}: {mo_path.name} is older than the .po and out of date; "
                            "run compilemessages")
    return problems


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Every problem found in the catalogs under ``locale_dir``; empty when all is well."""
    locale_dir = Path(locale_dir)
    po_files = sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
    if not po_files:
        return [f"{locale_dir}: no catalogs found"]
    problems = []
    for po_path in po_files:
        problems.extend(check_po(po_path, po_path.parent.parent.name))
    return problems


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[1]) if len(argv) > 1 else LOCALE_DIR
    problems = check(locale_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogs under {locale_dir}")
        return 1
    print(f"catalogs under {locale_dir} are complete and compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
