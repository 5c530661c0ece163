"""English formats of the portal: "5,000.00" and ISO dates ("2015-06-21").

English readers of this portal are spread over many countries, so dates use the
ISO order, which neither a British nor an American reader can misread, instead
of Django's US "06/21/2015". Month names and long formats still come from
django/conf/locale/en/formats.py.
"""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

# ISO first; the dotted European form is accepted too. The US "%m/%d/%Y" is left
# out on purpose: "03/04/2025" means a different day to British readers.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
