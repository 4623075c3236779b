"""Which column of a lead list says whose lead it is (the owner), so a rep sees only their own leads.

Named (``--owner COLUMN``, or chosen on the dashboard) or recognised among the CRM's usual headers, ignoring case,
spaces and punctuation: Owner, Lead Owner, Account Owner, Sales Rep, Assigned To, Salesperson, sales_agent...
"""

from __future__ import annotations

from collections.abc import Iterable

from leadscore.fields.headers import header_key

#: The headers a CRM writes the owner under, most specific first (compared by ``header_key``).
OWNER_HEADERS = ("Lead Owner", "Owner", "Account Owner", "Contact Owner", "Deal Owner", "Owner Name",
                 "Sales Rep", "Sales Representative", "Rep", "Assigned To", "Assignee", "Salesperson",
                 "Sales Person", "Sales Agent", "Agent")


def owner_column(columns: Iterable[object]) -> str | None:
    """The column that names each lead's owner: the first of ``columns`` matching a header of ``OWNER_HEADERS``
    (in that order of preference), or None."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(header_key(str(column)), str(column))
    for header in OWNER_HEADERS:
        found = by_key.get(header_key(header))
        if found is not None:
            return found
    return None
