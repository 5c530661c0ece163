"""The Metro 2 code lists the reader checks (Credit Reporting Resource Guide)."""

from django.utils.translation import gettext_lazy as _

ACCOUNT_STATUS = frozenset({
    "05", "11", "13", "61", "62", "63", "64", "65", "71", "78", "80", "82", "83", "84",
    "88", "89", "93", "94", "95", "96", "97", "DA", "DF",
})
# Statuses of closed or paid accounts, which must say how the account stood: a payment rating.
NEEDS_PAYMENT_RATING = frozenset({"05", "13", "65", "88", "89", "94", "95"})
PAYMENT_RATING = frozenset("0123456GL")
PAYMENT_HISTORY = frozenset("0123456BDEGHJKL")
PORTFOLIO_TYPE = frozenset("CIMORL")
SPECIAL_COMMENT = frozenset({
    "B", "C", "H", "I", "M", "O", "S", "V",
    "AB", "AC", "AH", "AI", "AM", "AN", "AO", "AP", "AS", "AT", "AU", "AV", "AW", "AX", "AZ",
    "BA", "BB", "BC", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BK", "BL", "BN", "BO", "BP",
    "BS", "BT", "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CS", "DE",
})
COMPLIANCE_CONDITION = frozenset({"XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XJ", "XR"})
ECOA = frozenset("12357TWXZ")
TERMS_DURATION_WORDS = frozenset({"LOC", "REV"})
TERMS_FREQUENCY = frozenset("DPWBEMLQTSY")
INTEREST_TYPE = frozenset("FV")
CORRECTION = frozenset({0, 1})

# Statuses the trailer counts one by one (its "totalStatusCodeXX" fields).
COUNTED_STATUSES = ("DF", "DA", "05", "11", "13", "61", "62", "63", "64", "65", "71", "78",
                    "80", "82", "83", "84", "88", "89", "93", "94", "95", "96", "97")

# What a person reads for an imported debt's type (portfolio type + account type, as
# stored: "M48"); the code itself stays in the back office and the API.
PORTFOLIO_LABELS = {"C": _("line of credit"), "I": _("instalment loan"), "M": _("mortgage"),
                    "O": _("open account"), "R": _("revolving credit")}
ACCOUNT_TYPE_LABELS = {
    "00": _("car loan"), "01": _("unsecured loan"), "02": _("secured loan"),
    "18": _("credit card"), "26": _("mortgage"), "48": _("debt in collection"),
    "90": _("medical debt"), "91": _("debt consolidation"),
}


def debt_type_label(value: str) -> str:
    """A Metro 2 type code ("M48") as words; any other (free) text as it is."""
    value = value or ""
    if len(value) == 3 and value[0] in PORTFOLIO_TYPE and value[1:].isalnum() and (
            value == value.upper()):
        label = ACCOUNT_TYPE_LABELS.get(value[1:]) or PORTFOLIO_LABELS.get(value[0])
        if label:
            return str(label)
    return value
