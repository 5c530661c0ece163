"""The API's JSON parser: any body it cannot read is a 400, never a 500.

DRF's own parser turns a ``ValueError`` into ``ParseError`` but lets a
``RecursionError`` through (a body of 100,000 ``[`` is enough), which answers
500. This one refuses such a body, and any body nested deeper than
``max_depth``, with ``ParseError``: the error handler answers it like any
other invalid input.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64


def depth_exceeds(data, limit: int) -> bool:
    """Whether ``data`` nests lists and objects more than ``limit`` levels deep."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise
        except RecursionError:
            raise ParseError(self._too_deep()) from None
        except (ValueError, TypeError, OverflowError) as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
        if depth_exceeds(data, self.max_depth):
            raise ParseError(self._too_deep())
        return data

    def _too_deep(self):
        return _("The request body nests lists or objects more than %(n)d levels deep.") % {
            "n": self.max_depth}
