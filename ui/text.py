"""Text from users (file names, column headers, lead names) made safe to show in Streamlit's markdown."""

from __future__ import annotations

import string

#: Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, which makes it
#: literal text. That covers links and images (``[`` ``!`` ``(``), emphasis, code, headings, tables,
#: Streamlit's ``$`` maths and ``:colour[...]`` directives, and raw HTML (``<``).
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def md_escape(value: object) -> str:
    """``value`` as text that Streamlit's markdown (st.markdown, st.caption, st.subheader, widget labels,
    st.error and friends) shows literally, on one line."""
    return " ".join(str(value).split()).translate(_ESCAPES)
