"""Russian formats of the portal: "5 000,00" and "21.06.2015" (see ../_common.py)."""

# Django's Russian locale already shows "5 000,00" and "21.06.2015"; the
# values are repeated so that the portal's formats are stated in one place
# and a change in Django cannot alter them silently.
from config.formats._common import *  # noqa: E402,F403
