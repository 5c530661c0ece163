"""Finding English left on a page rendered in another language.

A page's visible text (no scripts, styles or markup; button and field labels
included through ``aria-label``, ``title``, ``placeholder`` and ``alt``) is cut
into text pieces; a piece that holds a word of a small English stop-list ("the",
"your", "received"...) is a leftover, unless it is one of the texts people wrote
in the demo (an announcement, a feedback subject, a name).

Each leftover is sorted into one of two kinds:

- **untranslated**: the text is marked for translation (its msgid is in the
  ``.po`` catalogue, or in a ``gettext`` call or ``{% translate %}`` tag of the
  source that ``make messages`` will extract) and only lacks a translation;
- **stored English**: the text is not translatable where it is shown, typically
  English written into the database or a string never marked for translation: a
  defect of the code.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# English words that none of ro, bg, ru, uk, pl writes (in Latin letters) in a sentence.
# Kept short on purpose: each one is a near-certain sign of an English sentence.
STOP_WORDS = frozenset([
    "the", "your", "of", "and", "is", "were", "with", "received", "ready", "this", "that",
    "these", "those", "you", "has", "have", "been", "being", "will", "would", "please",
    "there", "their", "what", "which", "when", "where", "who", "from", "for", "into",
    "than", "then", "about", "after", "before", "should", "could", "must", "can't",
    "don't", "isn't", "yet", "here", "already", "only", "other", "its", "it's",
])

# Whole words in any script ("hasło" is one Polish word, not "has" and "o").
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
SKIP_TAGS = {"script", "style", "template", "noscript", "svg"}
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.pieces.append(value)
        if tag == "input":
            values = dict(attrs)
            if values.get("type") in ("submit", "button") and values.get("value"):
                self.pieces.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(data)


def _clean(text: str) -> str:
    return " ".join(text.split())


def visible_text(html: str) -> list[str]:
    """The text pieces a reader sees (or hears) on the page, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return [_clean(p) for p in parser.pieces if _clean(p)]


def english_words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)} & STOP_WORDS


# --- the catalogue: every text marked for translation ---------------------------------
_PO_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)
_PO_PLURAL = re.compile(r'^msgid_plural ((?:".*"\n)+)', re.MULTILINE)
_SOURCE_CALL = re.compile(
    r"""(?:\b_|\bgettext(?:_lazy)?|\bpgettext(?:_lazy)?\(\s*["'][^"']*["']\s*,|\bngettext(?:_lazy)?)"""
    r"""\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+|(?:'(?:[^'\\]|\\.)*'\s*)+)""")
_SOURCE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")
_SOURCE_BLOCK = re.compile(r"{%\s*blocktrans(?:late)?[^%]*%}(.*?){%\s*(?:plural|endblocktrans)",
                           re.DOTALL)
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{\s*[\w.]+\s*\}\}")


def _po_string(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).encode().decode(
        "unicode_escape").encode("latin-1").decode("utf-8")


def _literal(block: str) -> str:
    parts = re.findall(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""", block)
    return "".join(a or b for a, b in parts).replace('\\"', '"').replace("\\'", "'")


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """{msgid: msgstr} of ``language``'s catalogue, plus the marked source strings
    not yet extracted (with an empty translation)."""
    found: dict[str, str] = {}
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    if po.exists():
        text = po.read_text(encoding="utf-8")
        for msgid, msgstr in _PO_ENTRY.findall(text):
            found[_po_string(msgid)] = _po_string(msgstr)
        for plural in _PO_PLURAL.findall(text):
            found.setdefault(_po_string(plural), "")
    for path in (ROOT / "apps").rglob("*"):
        if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        strings = [_literal(m) for m in _SOURCE_CALL.findall(source)]
        strings += [m[1] for m in _SOURCE_TAG.findall(source)]
        strings += [_clean(m) for m in _SOURCE_BLOCK.findall(source)]
        for msgid in strings:
            if msgid:
                found.setdefault(msgid, "")
    found.pop("", None)
    return found


@functools.cache
def _patterns(language: str) -> list[re.Pattern]:
    """A pattern for each English msgid holding a stop word, its placeholders as wildcards."""
    patterns = []
    for msgid in catalogue(language):
        msgid = _clean(msgid)
        if not english_words(_PLACEHOLDER.sub(" ", msgid)):
            continue
        parts = _PLACEHOLDER.split(msgid)
        patterns.append(re.compile(r".+?".join(re.escape(p) for p in parts)))
    return patterns


def classify(language: str, pieces: list[str], allowed: set[str]):
    """(untranslated, stored_english): the leftovers of ``pieces`` of each kind."""
    untranslated, stored = [], []
    # Longest first: a name inside an allowed sentence must not break the sentence up.
    allowed = sorted(allowed, key=len, reverse=True)
    for piece in pieces:
        rest = piece
        for text in allowed:
            if text and text in rest:
                rest = rest.replace(text, " ")
        if not english_words(rest):
            continue
        marked = rest
        for pattern in _patterns(language):
            marked = pattern.sub(" ", marked)
        (untranslated if not english_words(marked) else stored).append(piece)
    return untranslated, stored
