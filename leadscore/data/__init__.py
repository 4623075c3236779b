"""Reading CRM files, writing safe CSV, the synthetic generator and the seed's scenarios."""
