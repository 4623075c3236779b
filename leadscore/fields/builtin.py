"""The built-in model's schema (the seed's twelve fields) and what the seed says of its tiers.

The built-in schema is one ``Schema`` value like any team's: the fields are
``required`` and have a ``strict_range`` (the original study's ranges are
limits and its counts whole numbers), and carry the common CRM spellings of
their headers as ``aliases``. Everything that needs the fields (validation,
the form, the CSV template, the API request model, the docs) reads
``BUILTIN_SCHEMA``; nothing else lists them.
"""

from __future__ import annotations

from leadscore.fields.field import Field, Schema
from leadscore.fields.scenarios import SCENARIOS


def example_lead() -> dict[str, float]:
    """A typical lead: every feature at a middling value (form defaults, CSV template)."""
    return {
        "age": 41, "income": 95_000, "credit_score": 690, "website_visits": 12,
        "email_opens": 8, "property_views": 5, "contact_attempts": 3,
        "time_on_site_minutes": 25, "inquiry_submitted": 0, "financing_pre_approved": 1,
        "budget_disclosed": 0, "location_preference_set": 1,
    }


def _number(name: str, kind: str, low: float, high: float, label: str, help: str, actionable: bool,
            phrase: str, aliases: tuple[str, ...] = (), prefix: str = "") -> Field:
    return Field(name=name, kind=kind, label=label, help=help, low=low, high=high,  # type: ignore[arg-type]
                 actionable=actionable, required=True, strict_range=True, aliases=aliases, phrase=phrase,
                 prefix=prefix, typical=example_lead()[name])


def _flag(name: str, label: str, help: str, on: str, off: str, aliases: tuple[str, ...] = ()) -> Field:
    return Field(name=name, kind="flag", label=label, help=help, low=0, high=1, actionable=True, required=True,
                 strict_range=True, aliases=aliases, phrase=on, phrase_off=off, typical=example_lead()[name])


#: Only a salesperson's work can change the engagement counts and intent flags (``actionable``), as
#: opposed to who the lead is (age, income, credit score).
BUILTIN_SCHEMA = Schema(fields=(
    _number("age", "integer", 22, 70, "Age", "Lead's age in years.", False, "Age {}"),
    _number("income", "number", 30_000, 500_000, "Annual income",
            "Annual income in dollars: the main sign of buying power.", False, "Income {}",
            ("annual_income", "yearly_income", "household_income", "salary"), prefix="$"),
    _number("credit_score", "integer", 300, 850, "Credit score",
            "Credit score: the main sign of getting financing.", False, "Credit score {}",
            ("credit", "fico", "fico_score")),
    _number("website_visits", "integer", 0, 50, "Website visits", "Visits to the platform's website.", True,
            "{} website visit{s}", ("visits", "site_visits", "web_visits", "page_visits")),
    _number("email_opens", "integer", 0, 30, "Email opens", "Marketing emails opened.", True,
            "{} email open{s}", ("emails_opened", "email_open_count", "opens")),
    _number("property_views", "integer", 0, 25, "Property views", "Property listings looked at.", True,
            "{} property view{s}", ("listing_views", "properties_viewed")),
    _number("contact_attempts", "integer", 0, 10, "Contact attempts", "Times the sales team has reached out.",
            True, "{} contact attempt{s}", ("contacts", "outreach_attempts", "calls_made")),
    _number("time_on_site_minutes", "number", 1, 120, "Time on site (minutes)",
            "Minutes spent browsing the platform.", True, "{} minute{s} on site",
            ("time_on_site", "minutes_on_site", "session_minutes")),
    _flag("inquiry_submitted", "Inquiry submitted",
          "The lead asked a question through the site (a direct sign of intent).",
          "Inquiry submitted", "No inquiry submitted", ("inquiry", "submitted_inquiry")),
    _flag("financing_pre_approved", "Financing pre-approved", "The lead already has financing (ready to buy).",
          "Financing pre-approved", "No financing pre-approval",
          ("pre_approved", "preapproved", "financing_approved")),
    _flag("budget_disclosed", "Budget disclosed", "The lead shared an investment budget (a sign of commitment).",
          "Budget disclosed", "No budget disclosed", ("budget_shared",)),
    _flag("location_preference_set", "Location preference set",
          "The lead chose where to buy (knows what they want).", "Location preference set",
          "No location preference", ("location_set", "preferred_location_set", "location_preference")),
), id_column="lead_id", examples=(("A typical lead", example_lead()), *((s.name, s.lead) for s in SCENARIOS)))

FEATURE_NAMES: tuple[str, ...] = BUILTIN_SCHEMA.names

#: The built-in labels in the booster's class-index order: class k is CLASSES[k].
CLASSES: tuple[str, ...] = ("Low", "Medium", "High")
PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{t.lower()}" for t in CLASSES)
LABEL_COLUMN = "tier"
ID_COLUMN = "lead_id"

#: The seed's expected conversion rate range per tier (what the built-in model's tiers promise).
TIER_CONVERSION_RATES: dict[str, tuple[float, float]] = {
    "High": (0.35, 0.40),
    "Medium": (0.15, 0.20),
    "Low": (0.02, 0.05),
}
