"""The frame: page config, navigation over app_pages/, the shared sidebar. No calculations here.

The pages live in app_pages/, not pages/: Streamlit runs any pages/ folder as an old-style
multipage app until st.navigation has run once, which broke a bookmarked link as the first
request after a restart (tests/e2e/test_first_request.py).
"""

import streamlit as st

from analysis.store import StoreError
from app_pages import common

st.set_page_config(
    page_title="School-to-school support impact",
    page_icon=":material/school:",
    layout="wide",
)

navigation = st.navigation(
    {
        "Impact": [
            st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:",
                    default=True),
            st.Page("app_pages/school.py", title="School", icon=":material/school:"),
            st.Page("app_pages/deployments.py", title="Deployments", icon=":material/groups:"),
            st.Page("app_pages/present.py", title="Presentation mode", icon=":material/slideshow:"),
        ],
        "Administration": [
            st.Page("app_pages/upload.py", title="Upload", icon=":material/upload:"),
            st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)

# Every page passes through here: a store fault mid-page is one sentence, never a traceback.
try:
    common.ensure_sample_or_empty()
    common.sample_banner()
    navigation.run()
except StoreError as error:
    st.error(str(error), icon=":material/error:")
