"""The seed's nine test scenarios as concrete leads.

Each carries the tier the seed reports and its confidence band: above 0.9 on
the clear cases, between 0.5 and 0.9 on the borderline ones. Tests hold both
the generator's true probabilities and a trained model to them; the dashboard
offers them as presets.
"""

from __future__ import annotations

from dataclasses import dataclass

CLEAR = (0.9, 1.0)
BORDERLINE = (0.5, 0.9)


@dataclass(frozen=True)
class Scenario:
    """One seed scenario: a name, a lead, the expected tier and confidence band."""

    name: str
    lead: dict[str, float]
    tier: str
    band: tuple[float, float]


def _lead(age: int, income: int, credit: int, visits: int, opens: int, views: int,
          contacts: int, minutes: int, inquiry: int, financing: int, budget: int,
          location: int) -> dict[str, float]:
    return {
        "age": age, "income": income, "credit_score": credit, "website_visits": visits,
        "email_opens": opens, "property_views": views, "contact_attempts": contacts,
        "time_on_site_minutes": minutes, "inquiry_submitted": inquiry,
        "financing_pre_approved": financing, "budget_disclosed": budget,
        "location_preference_set": location,
    }


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("Ultra high-value ($350K, engaged)",
             _lead(45, 350_000, 810, 38, 24, 18, 5, 80, 1, 1, 1, 1), "High", CLEAR),
    Scenario("Standard high-value ($220K, engaged)",
             _lead(38, 220_000, 770, 32, 20, 15, 4, 65, 1, 1, 1, 1), "High", CLEAR),
    Scenario("Good medium ($110K, inquiry)",
             _lead(35, 110_000, 700, 15, 10, 7, 3, 30, 1, 0, 0, 1), "Medium", CLEAR),
    Scenario("Browsing medium ($95K, low engagement)",
             _lead(41, 95_000, 720, 6, 3, 2, 2, 15, 0, 0, 1, 1), "Medium", BORDERLINE),
    Scenario("Young low-value ($42K, inactive)",
             _lead(24, 42_000, 590, 1, 0, 0, 1, 3, 0, 0, 0, 0), "Low", CLEAR),
    Scenario("Poor credit low ($65K, no inquiry)",
             _lead(52, 65_000, 470, 6, 4, 2, 2, 12, 0, 0, 0, 0), "Low", CLEAR),
    Scenario("Rich but inactive ($300K, no engagement)",
             _lead(55, 300_000, 712, 0, 0, 0, 1, 2, 0, 0, 0, 0), "Medium", BORDERLINE),
    Scenario("Engaged but poor credit ($55K, engaged)",
             _lead(33, 55_000, 570, 30, 18, 12, 4, 60, 1, 0, 1, 1), "Medium", BORDERLINE),
    Scenario("Borderline everything",
             _lead(44, 85_000, 680, 12, 8, 4, 3, 24, 1, 0, 1, 0), "Medium", BORDERLINE),
)
