"""A model's typical lead, its starting leads and its CSV template, written as a CRM file holds them.

Values are text, as in the file: a number's typical value (its median on the
training rows; the seed's typical lead for the built-in model), a flag's
commoner answer as yes/no, a category's commonest kept level. A field that
most past leads left empty is left empty (unknown), as is one with no typical
value recorded (a model saved before fields kept one).
"""

from __future__ import annotations

import pandas as pd

from leadscore.fields.field import OTHER, Field, Schema

#: The ID column of the template when the model was trained without one.
TEMPLATE_ID = "lead_id"
TYPICAL = "A typical lead"


def typical_value(f: Field) -> str:
    """One field's typical value as text ("" when unknown)."""
    if f.fill_rate < 0.5:
        return ""
    if f.kind == "category":
        return next((level for level in f.levels if level != OTHER), "")
    if f.typical is None:
        return ""
    if f.kind == "flag":
        return "yes" if f.typical >= 0.5 else "no"
    return str(int(f.typical)) if float(f.typical).is_integer() else f"{f.typical:g}"


def typical_lead(schema: Schema) -> dict[str, str]:
    """Field name -> typical value, every field of the schema."""
    return {f.name: typical_value(f) for f in schema.fields}


def starting_leads(schema: Schema) -> dict[str, dict[str, str]]:
    """Leads to start the Score page from, by name: the schema's examples, else its typical lead."""
    if not schema.examples:
        return {TYPICAL: typical_lead(schema)}
    return {name: {f.name: _text(f, lead.get(f.name)) for f in schema.fields} for name, lead in schema.examples}


def _text(f: Field, value: object) -> str:
    if value is None:
        return ""
    if f.kind == "flag":
        return "yes" if float(value) >= 0.5 else "no"  # type: ignore[arg-type]
    return str(value)


def template_frame(schema: Schema) -> pd.DataFrame:
    """The CSV template: the ID column and every field as columns, one typical lead as the example row."""
    id_column = schema.id_column or TEMPLATE_ID
    return pd.DataFrame([{id_column: "L-0001", **typical_lead(schema)}], columns=[id_column, *schema.names])
