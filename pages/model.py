"""Model (placeholder)."""
import streamlit as st

st.title("Model")
