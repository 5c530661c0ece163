"""Bulgarian formats of the portal: "5 000,00" and "21.06.2015" (see ../_common.py)."""

# Django's Bulgarian locale sets no NUMBER_GROUPING (so no grouping at all),
# no SHORT_DATETIME_FORMAT and no input formats; all three fall back to the
# US-style project defaults unless they are set here.
from config.formats._common import *  # noqa: E402,F403
