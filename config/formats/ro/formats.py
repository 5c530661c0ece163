"""Romanian formats of the portal: "5 000,00" and "21.06.2015" (see ../_common.py)."""

# Django's Romanian locale groups thousands with a dot ("5.000,00"), which
# Romanian orthography allows. The product owner chose "5 000,00" for every
# language the portal ships besides English, so an amount reads the same in ro,
# bg, ru, uk and pl, and a grouping dot is never mistaken for a decimal point
# in a copied or exported figure. ISO 80000-1 groups digits with a space too.
from config.formats._common import *  # noqa: E402,F403
