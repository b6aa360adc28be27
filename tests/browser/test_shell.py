"""The staff shell end to end: sign in, switch to Arabic (RTL), sign out."""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from core.models import Firm, User

PASSWORD = "x-Pass-12345"


def test_login_switch_to_arabic_and_logout(page: Page, login, page_problems, live_server):
    firm = Firm.objects.create(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")
    User.objects.create_user(
        username="admin1", password=PASSWORD, firm=firm, role="admin", first_name="Amal"
    )

    login("admin1", PASSWORD)

    # Home, in English.
    expect(page).to_have_url(live_server.url + reverse("home"))
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("nav")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_contain_text("Amal")
    expect(page.get_by_test_id("firm-name")).to_have_text("Acme Trading")
    expect(page.get_by_test_id("role-label")).not_to_be_empty()
    expect(page).to_have_title(re.compile(r" · Sales ERP$"))

    # Switch to Arabic: the same page comes back right to left, with Bootstrap's RTL build.
    page.get_by_test_id("language-switch").locator('button[value="ar"]').click()
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page).to_have_url(live_server.url + reverse("home"))
    rtl_css = page.locator('link[rel="stylesheet"][href$="/bootstrap.rtl.min.css"]')
    expect(rtl_css).to_have_count(1)
    expect(page.locator('link[rel="stylesheet"][href$="/bootstrap.min.css"]')).to_have_count(0)
    # Loaded, not only linked: the browser parsed its rules (waits up to 10 s; a busy
    # machine may still be parsing the sheet when the page's DOM is ready).
    page.wait_for_function(
        """() => [...document.styleSheets].some(
            (sheet) => sheet.href && sheet.href.endsWith("/bootstrap.rtl.min.css")
                && sheet.cssRules.length > 0)""",
        timeout=10_000,
    )
    expect(page.get_by_test_id("firm-name")).to_have_text("أكمي للتجارة")
    expect(page.get_by_test_id("language-switch").locator('button[value="en"]')).to_be_visible()

    # Sign out (a POST from the user menu): back on the login page, still in Arabic.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout-button").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("login"))))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    assert page_problems == []
