"""An explainable scorecard: points per characteristic, reason codes for the top factors.

A score is the base points plus the points of each characteristic's band; every
band's points are in the table below, so anyone can recompute a score by hand
from the report that shows it. The reason codes are the characteristics that
cost the most points against their best band ("points below maximum"), the
usual way adverse-action reasons are chosen. ``MODEL_VERSION`` is stored with
every score; a change of the table is a new version.

A score is an aid to a person's decision, never its only basis (GDPR art. 22):
``STATEMENT`` is printed with every score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

MODEL_VERSION = "MD-SC-2026.1"
BASE_POINTS = 600
MINIMUM, MAXIMUM = 300, 850
TOP_REASONS = 4

STATEMENT = _(
    "This score is an aid to a decision, never its only basis: a credit decision about a "
    "person must involve a person who reviews the full report, and the person concerned "
    "may express their view and contest the decision (GDPR, article 22)."
)

# Metro 2 payment history profile: 1-6 are 30 to 180+ days past due; G, H, J, K, L
# are collection, foreclosure, voluntary surrender, repossession, charge-off.
DAYS_LATE = {"1": 30, "2": 60, "3": 90, "4": 120, "5": 150, "6": 180}
SEVERE = set("GHJKL")
NEGATIVE_STATUSES = {"delinquent", "charged_off", "collection"}


@dataclass(frozen=True)
class Band:
    label: object
    points: int


@dataclass(frozen=True)
class Characteristic:
    code: str
    label: object
    reason: object  # what the reason code says when this characteristic lowers the score
    bands: tuple[Band, ...]

    @property
    def best(self) -> int:
        return max(b.points for b in self.bands)


CHARACTERISTICS = {
    c.code: c for c in (
        Characteristic("R01", _("Accounts past due now"),
                       _("Amounts are past due on one or more accounts"),
                       (Band(_("none"), 60), Band(_("one"), -40), Band(_("two or more"), -90))),
        Characteristic("R02", _("Worst delinquency in the payment history"),
                       _("Serious delinquency in the payment history"),
                       (Band(_("never late"), 50), Band(_("30–59 days"), -10),
                        Band(_("60–89 days"), -40), Band(_("90 days or more"), -80),
                        Band(_("collection or charge-off"), -120))),
        Characteristic("R03", _("Amounts charged off"),
                       _("A debt was charged off"),
                       (Band(_("none"), 20), Band(_("some"), -60))),
        Characteristic("R04", _("Balance against the original amounts of open accounts"),
                       _("Balances are high relative to the amounts borrowed"),
                       (Band(_("under 30%"), 30), Band(_("30–70%"), 0),
                        # xgettext:no-python-format
                        Band(_("70% or more"), -30), Band(_("no open account"), 0))),
        Characteristic("R05", _("Age of the oldest account"),
                       _("The credit history is short"),
                       (Band(_("3 years or more"), 30), Band(_("1–3 years"), 0),
                        Band(_("under a year"), -20), Band(_("no account"), -30))),
        Characteristic("R06", _("Inquiries in the last 12 months"),
                       _("Many recent inquiries"),
                       (Band(_("0–1"), 10), Band(_("2–3"), 0),
                        Band(_("4 or more"), -30))),
    )
}


@dataclass
class Factor:
    """One characteristic's band: stored by code and band number, read in any language."""

    code: str
    band: int
    points: int
    below_best: int

    @property
    def label(self):
        return CHARACTERISTICS[self.code].label

    @property
    def band_label(self):
        return CHARACTERISTICS[self.code].bands[self.band].label

    @property
    def reason(self):
        return CHARACTERISTICS[self.code].reason


@dataclass
class Score:
    value: int
    model_version: str
    factors: list[Factor] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> Score | None:
        """A stored score (``as_dict``), its texts in the reader's language."""
        if not data:
            return None
        return cls(data["value"], data["model_version"],
                   [Factor(**f) for f in data.get("factors", [])], data.get("reasons", []))

    @property
    def reason_factors(self) -> list[Factor]:
        by_code = {f.code: f for f in self.factors}
        return [by_code[r["code"]] for r in self.reasons if r["code"] in by_code]

    def as_dict(self) -> dict:
        return {
            "value": self.value, "model_version": self.model_version, "base": BASE_POINTS,
            "factors": [f.__dict__ for f in self.factors], "reasons": self.reasons,
        }


def worst_delinquency(history: str) -> int:
    """0 never late, 30..180 days late, 999 collection or charge-off."""
    worst = 0
    for char in (history or "").upper():
        if char in SEVERE:
            return 999
        worst = max(worst, DAYS_LATE.get(char, 0))
    return worst


def _band(code: str, index: int) -> tuple[str, int]:
    return code, index


def score(debts, inquiries_12m: int, today: dt.date) -> Score:
    """The score of a subject from their current debts (any objects with the Debt fields)
    and the number of inquiries about them in the last 12 months."""
    debts = list(debts)
    choices = []

    past_due = sum(1 for d in debts if d.past_due and d.past_due > 0)
    choices.append(_band("R01", 0 if past_due == 0 else 1 if past_due == 1 else 2))

    worst = 0
    for d in debts:
        worst = max(worst, worst_delinquency(d.payment_history))
        if d.status in ("charged_off", "collection"):
            worst = 999
    choices.append(_band("R02", 0 if worst == 0 else 1 if worst < 60 else 2 if worst < 90
                         else 3 if worst < 999 else 4))

    charged = sum((d.charged_off or Decimal(0)) for d in debts)
    choices.append(_band("R03", 0 if charged <= 0 else 1))

    open_debts = [d for d in debts if not d.closed_on and d.original_amount]
    if open_debts:
        ratio = (sum(d.balance for d in open_debts) / sum(d.original_amount for d in open_debts))
        choices.append(_band("R04", 0 if ratio < Decimal("0.3") else 1 if ratio < Decimal("0.7")
                             else 2))
    else:
        choices.append(_band("R04", 3))

    opened = [d.opened_on for d in debts if d.opened_on]
    if not opened:
        choices.append(_band("R05", 3))
    else:
        years = (today - min(opened)).days / 365.25
        choices.append(_band("R05", 0 if years >= 3 else 1 if years >= 1 else 2))

    choices.append(_band("R06", 0 if inquiries_12m <= 1 else 1 if inquiries_12m <= 3 else 2))

    factors = []
    for code, index in choices:
        characteristic = CHARACTERISTICS[code]
        points = characteristic.bands[index].points
        factors.append(Factor(code, index, points, characteristic.best - points))
    value = max(MINIMUM, min(MAXIMUM, BASE_POINTS + sum(f.points for f in factors)))
    lowering = sorted((f for f in factors if f.below_best > 0),
                      key=lambda f: (-f.below_best, f.code))[:TOP_REASONS]
    reasons = [{"code": f.code, "points_below_best": f.below_best} for f in lowering]
    return Score(value, MODEL_VERSION, factors, reasons)
