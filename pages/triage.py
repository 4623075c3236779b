"""Triage a lead list (placeholder)."""
import streamlit as st

st.title("Triage a lead list")
