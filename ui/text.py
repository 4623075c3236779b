"""Text from users (file names, column headers, lead names) made safe to show in Streamlit's markdown."""

from __future__ import annotations

import re
import string

#: Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, which makes it
#: literal text. That covers links and images (``[`` ``!`` ``(``), emphasis, code, headings, tables,
#: Streamlit's ``$`` maths and ``:colour[...]`` directives, and raw HTML (``<``).
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def md_escape(value: object) -> str:
    """``value`` as text that Streamlit's markdown (st.markdown, st.caption, st.subheader, widget labels,
    st.error and friends) shows literally, on one line."""
    return " ".join(str(value).split()).translate(_ESCAPES)


def data_source(description: object) -> str:
    """A model's training-data description for markdown: "10,000 leads", and older models' "seed 42" reads
    "data variant 42"."""
    text = re.sub(r"\bseed (\d+)", r"data variant \1", str(description))
    return md_escape(re.sub(r"\b(\d{4,}) leads\b", lambda m: f"{int(m[1]):,} leads", text))
