"""Streamlit entrypoint (placeholder until the dashboard lands)."""

import streamlit as st

st.title("Lead scoring")
st.info("The dashboard is being built. Use the `leadscore` command line meanwhile (see README).")
