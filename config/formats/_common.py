"""The number and date formats the portal uses in ro, bg, ru, uk and pl.

"5 000,00" and "21.06.2015" in every one of them. Each language's module
imports these and says why Django's own locale needed (or did not need) them;
month names, DATE_FORMAT and the rest still come from Django.
"""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space, so an amount never wraps mid-number
NUMBER_GROUPING = 3

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"

# People type dates the local way; browsers' date pickers, the API and exports
# send ISO dates, so both are accepted. Two-digit years are not: "01.02.03" is
# too easy to misread on a financial record.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
