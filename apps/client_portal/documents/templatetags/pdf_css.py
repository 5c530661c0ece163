"""Template tags for PDF templates: text into CSS, for ``@page`` margin boxes.

``{% css_string a " · " b %}`` joins its arguments into one quoted CSS string,
for ``content:`` in a ``<style>`` block::

    {% load pdf_css %}
    @page { @bottom-left { content: {% css_string provider.name " · " provider.city_line %}; } }

A ``<style>`` element is raw text: HTML escaping would print ``&amp;`` and an
unescaped ``</style>`` would end it. So the result is escaped for CSS instead:
quotes, backslashes, line breaks, ``<``, ``>`` and ``&`` (and any other control
character) become CSS hex escapes (``\\26 `` for ``&``), and the string is
marked safe. Both PDF engines (WeasyPrint and Chromium) read it the same way.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ESCAPED = set('"\'\\<>&') | {chr(c) for c in range(0x20)} | {"\x7f"}


def css_quote(text: str) -> SafeString:
    """``text`` as a double-quoted CSS string, safe inside a ``<style>`` element."""
    out = ['"']
    for char in str(text):
        if char in _ESCAPED:
            # The trailing space ends the escape and is not part of the string.
            out.append(f"\\{ord(char):X} ")
        else:
            out.append(char)
    out.append('"')
    return mark_safe("".join(out))  # noqa: S308 (every special character is escaped above)


@register.simple_tag
def css_string(*parts) -> SafeString:
    """The parts (None as empty) joined into one quoted, escaped CSS string."""
    return css_quote("".join("" if part is None else str(part) for part in parts))
