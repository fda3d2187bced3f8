"""A bookmarked school link as the very first request a freshly started server receives.

Governors are sent links like /school?urn=990201. After a restart (every deploy), the first
person through the door may well arrive that way, so this module has a server of its own that
has served nothing before the link.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import open_path

pytestmark = pytest.mark.browser


# The page folder is app_pages/, not pages/: a folder named pages/ makes Streamlit treat the
# app as an old-style multipage app until st.navigation has run once in the process, so this
# very first request would run app_pages/school.py alone (no frame, no sample, a stray menu).
def test_a_school_link_works_as_the_first_request_after_a_restart(page, server):
    open_path(page, server.base, "school?urn=990201")
    expect(page.get_by_role("heading", name="Kingfisher Primary School", exact=True)).to_be_visible()
    # Our menu (app_pages/accessible.py) is drawn, and no legacy multipage menu beside it.
    expect(page.locator(".st-key-site_menu")).to_contain_text("Overview")
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
