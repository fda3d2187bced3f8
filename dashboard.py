"""The frame: page config, navigation over pages/, the shared sidebar. No calculations here."""

import streamlit as st

from pages import common

st.set_page_config(
    page_title="School-to-school support impact",
    page_icon=":material/school:",
    layout="wide",
)

common.ensure_sample_or_empty()

navigation = st.navigation(
    {
        "Impact": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/school.py", title="School", icon=":material/school:"),
            st.Page("pages/deployments.py", title="Deployments", icon=":material/groups:"),
            st.Page("pages/present.py", title="Presentation mode", icon=":material/slideshow:"),
        ],
        "Administration": [
            st.Page("pages/upload.py", title="Upload", icon=":material/upload:"),
            st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)

common.sample_banner()
navigation.run()
