"""Reports handed to people outside the product: ``html.stakeholder_report``, one self-contained HTML file
(rendered from what ``workflows/stakeholders.py`` gathers; a face: no workflow imports it)."""
