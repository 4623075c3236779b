"""An imitation of a real lead export of an education company, for the product to be tried on.

The real file (9,240 leads, 37 columns) is not in the repository; this one has
its shape as issue 8 measured it: two ID columns (a UUID and an increasing
number), a few numbers with gaps, yes/no columns, categories with 3-38 levels
and rare ones, the literal word ``Select`` where a web form's dropdown was left
alone, up to 78% empty cells, emptiness that carries signal (leads without an
occupation convert far less often), constant and near-constant columns, a 0/1
``Converted`` outcome (about 38%), and two columns the sales team fills in
after talking to the lead (``Tags``, ``Lead Quality``) that give the outcome
away.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd


def lead_export(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """The imitation export, every cell as text, as ``csvio.read_table`` reads a file."""
    rng = np.random.default_rng(seed)
    occupation = rng.choice(["Unemployed", "Working Professional", "Student", "Other", ""], n,
                            p=[0.45, 0.1, 0.03, 0.02, 0.4])
    origin = rng.choice(["Landing Page Submission", "API", "Lead Add Form", "Lead Import"], n,
                        p=[0.5, 0.38, 0.1, 0.02])
    time_on_site = np.where(rng.random(n) < 0.25, 0, rng.gamma(2.0, 300, n)).round()
    visits = rng.poisson(3, n).astype(float)
    logit = (-1.6 + 0.0018 * time_on_site + np.where(occupation == "Working Professional", 2.5, 0)
             + np.where(occupation == "", -0.9, 0.6) + np.where(origin == "Lead Add Form", 2.0, 0)
             + rng.normal(0, 0.6, n))
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    # Filled in by the sales team after the call: almost the outcome itself.
    tags = np.where(converted, rng.choice(["Will revert after reading the email", "Closed by Horizzon"], n),
                    rng.choice(["Ringing", "Interested in other courses", "Already a student"], n))
    tags = np.where(rng.random(n) < 0.06, rng.choice(["Ringing", "Will revert after reading the email"], n), tags)
    tags = np.where(rng.random(n) < 0.35, "", tags)
    quality = np.where(converted, rng.choice(["High in Relevance", "Might be", ""], n, p=[0.5, 0.3, 0.2]),
                       rng.choice(["Not Sure", "Worst", "Low in Relevance", ""], n, p=[0.2, 0.1, 0.1, 0.6]))
    sources = ["Google", "Direct Traffic", "Olark Chat", "Organic Search", "Reference", "Welingak Website",
               "Referral Sites", "Facebook", "bing", "Click2call", "Press_Release", "Social Media", "Live Chat",
               "youtubechannel", "testone", "Pay per Click Ads", "welearnblog_Home", "WeLearn", "blog", "NC_EDM"]
    source_p = np.array([31, 28, 19, 12, 6, 1.4, 1.3, 0.4, 0.1, 0.05, 0.03, 0.03, 0.03, 0.02, 0.02, 0.02, 0.02,
                         0.02, 0.02, 0.02])
    countries = ["India"] * 1 + [f"Country {i}" for i in range(37)]
    country_p = np.r_[0.96, np.full(37, 0.04 / 37)]
    hear = rng.choice(["Select", "Online Search", "Word Of Mouth", "Student of SomeSchool", "Other", ""], n,
                      p=[0.55, 0.09, 0.04, 0.03, 0.02, 0.27])
    return pd.DataFrame({
        "Prospect ID": [str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i)) for i in range(n)],
        "Lead Number": (660000 - np.arange(n)[::-1] * 3).astype(str),
        "Lead Origin": origin,
        "Lead Source": rng.choice(sources, n, p=source_p / source_p.sum()),
        "Do Not Email": rng.choice(["No", "Yes"], n, p=[0.92, 0.08]),
        "Do Not Call": np.where(np.arange(n) < 2, "Yes", "No"),
        "Converted": np.where(converted, "1", "0"),
        "TotalVisits": np.where(rng.random(n) < 0.015, "", visits.astype(int).astype(str)),
        "Total Time Spent on Website": time_on_site.astype(int).astype(str),
        "Page Views Per Visit": np.round(visits / np.maximum(1, rng.poisson(1.5, n)), 2).astype(str),
        "Country": np.where(rng.random(n) < 0.27, "", rng.choice(countries, n, p=country_p)),
        "Specialization": rng.choice(["Select", "Finance Management", "Human Resource Management",
                                      "Marketing Management", "Operations Management", ""], n,
                                     p=[0.21, 0.1, 0.09, 0.09, 0.06, 0.45]),
        "How did you hear about X Education": hear,
        "What is your current occupation": occupation,
        "Magazine": "No",
        "Tags": tags,
        "Lead Quality": quality,
        "City": rng.choice(["Select", "Mumbai", "Thane & Outskirts", "Other Cities", ""], n,
                           p=[0.24, 0.35, 0.08, 0.08, 0.25]),
        "A free copy of Mastering The Interview": rng.choice(["No", "Yes"], n, p=[0.69, 0.31]),
    }).astype("string")
