"""Reports handed to people outside the product: ``html.stakeholder_report``, one self-contained HTML file."""
