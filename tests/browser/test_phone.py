"""Document forms on a phone (390 px): their line tables scroll inside themselves and the
page never scrolls sideways, in English and in Arabic."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from core import services as core_services
from core.models import Firm

PASSWORD = "x-Pass-12345"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_document_forms_fit_a_phone(page: Page, login, page_problems, live_server, language):
    firm = Firm.objects.create(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")
    core_services.user_create(firm=firm, actor=None, username="manager1", password=PASSWORD,
                              role="sales_manager", first_name="Faisal")
    login("manager1", PASSWORD)
    if language == "ar":
        page.get_by_test_id("language-switch").locator('button[value="ar"]').click()
    page.set_viewport_size({"width": 390, "height": 844})  # the menu folds away at this width
    for name in ("sales:quote_create", "sales:salesorder_create"):
        page.goto(reverse(name))
        page.get_by_test_id("form").wait_for()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], (name, language, widths)
