"""Streamlit building blocks shared by the dashboard's pages (the engine never imports these)."""
