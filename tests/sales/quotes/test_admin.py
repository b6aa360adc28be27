"""Quotes in the Django admin: scoped to the firm, lines and versions inline read-only,
history, saves and deletes through the services."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine, QuoteVersion
from tests.crm.factories import make_customer
from tests.sales.factories import make_quote, quote_in


def admin_url(action: str, *args) -> str:
    return reverse(f"admin:sales_quote_{action}", args=args)


def test_quote_is_registered_with_lines_and_versions_inline():
    inlines = {inline.model for inline in admin.site._registry[Quote].inlines}
    assert inlines == {QuoteLine, QuoteVersion}


@pytest.mark.django_db
class TestQuoteAdmin:
    def test_pages_of_own_rows_only(self, client, admin_user, firm, other_firm):
        ours, theirs = make_quote(firm), make_quote(other_firm)
        client.force_login(admin_user)
        rows = client.get(admin_url("changelist")).context["cl"].result_list
        assert ours in rows and theirs not in rows
        assert client.get(admin_url("add")).status_code == 200
        page = client.get(admin_url("change", ours.pk))
        assert page.status_code == 200 and "Line A" in page.content.decode()
        assert client.get(admin_url("history", ours.pk)).status_code == 200
        assert client.get(admin_url("change", theirs.pk)).status_code == 302
        assert client.get(admin_url("history", theirs.pk)).status_code == 404

    def test_add_goes_through_the_service(self, client, admin_user, firm):
        client.force_login(admin_user)
        customer = make_customer(firm)
        response = client.post(admin_url("add"), {
            "customer": customer.pk, "quote_date": "2026-03-01", "currency": "SAR",
            "discount_type": "amount", "discount_value": "0", "shipping_cost": "25",
            "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"})
        assert response.status_code == 302, response.content.decode()[:3000]
        quote = Quote.objects.get(firm=firm)
        assert quote.number.startswith("QT-") and quote.total == Decimal("25.00")
        assert quote.history.latest().history_user_id == admin_user.pk

    def test_sent_quote_is_read_only_and_not_deletable(self, client, admin_user, firm):
        sent = quote_in(firm, QuoteStatus.SENT)
        client.force_login(admin_user)
        form = client.get(admin_url("change", sent.pk)).context["adminform"].form
        assert "discount_value" not in form.fields
        response = client.post(admin_url("delete", sent.pk), {"post": "yes"})
        assert response.status_code == 302
        assert Quote.objects.filter(pk=sent.pk).exists()

    def test_bulk_actions_run_each_quote_through_its_service(self, client, admin_user, firm):
        draft, rejected = make_quote(firm), quote_in(firm, QuoteStatus.REJECTED)
        client.force_login(admin_user)
        actions = [name for name, _label in client.get(admin_url("changelist")).context[
            "action_form"].fields["action"].choices]
        assert {"submit_selected", "archive_selected", "cancel_selected"} <= set(actions)
        assert "reject_selected" not in actions  # a required reason: never in bulk
        response = client.post(admin_url("changelist"), {
            "action": "archive_selected", "_selected_action": [draft.pk, rejected.pk]},
            follow=True)
        text = response.content.decode()
        assert "Archive: 1 done." in text
        assert f"{draft.number}: This action is not allowed" in text
        assert Quote.objects.get(pk=rejected.pk).status == QuoteStatus.ARCHIVED
        assert Quote.objects.get(pk=draft.pk).status == QuoteStatus.DRAFT
        assert rejected.history.latest().history_user_id == admin_user.pk
