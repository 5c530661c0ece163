"""Polish formats of the portal: "5 000,00" and "21.06.2015" (see ../_common.py)."""

# Django's Polish locale writes short dates as "21-06-2015"; the portal uses
# the dotted form "21.06.2015" that Polish documents and banks use.
from config.formats._common import *  # noqa: E402,F403
