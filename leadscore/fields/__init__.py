"""What a lead is: fields, the schema of an outcome model, and inference of both from a CRM export."""
