"""Quote creation and editing through the services: numbering, defaults, totals stored
exactly (business-rules §2), discount limits, margin warnings, drafts only, tenancy."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import services as core_services
from core.errors import ApplicationError
from core.models import DocumentEvent, Sequence
from sales import services
from sales.models import Quote, QuoteLine
from tests.crm.factories import make_customer, make_lead
from tests.pricing.factories import make_product
from tests.sales.factories import EXAMPLE_LINES, make_quote, quote_in

D = Decimal


def year(firm) -> int:
    return core_services.firm_today(firm=firm).year


@pytest.mark.django_db
class TestCreate:
    def test_rules_example_is_stored_exactly(self, firm, admin_user):
        quote = make_quote(firm, actor=admin_user, discount_value=D("100"), probability=60)
        quote = Quote.objects.get(pk=quote.pk)
        assert (quote.subtotal, quote.discount_amount, quote.after_discount) == (
            D("2250.00"), D("100.00"), D("2150.00"))
        assert (quote.tax_amount, quote.total, quote.weighted_value) == (
            D("258.00"), D("2408.00"), D("1444.80"))
        assert quote.total_in_words == "ألفان وأربعمائة وثمانية ريالات"
        assert quote.total_in_words_en == "Two thousand, four hundred and eight Saudi riyals"
        assert list(quote.lines.values_list(
            "position", "base_amount", "line_discount", "line_total", "tax_amount")) == [
            (0, D("2000.00"), D("200.00"), D("1800.00"), D("258.00")),
            (1, D("500.00"), D("50.00"), D("450.00"), D("0.00"))]

    def test_without_tax_on_discount(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "tax": {"calculate_tax_on_discount": False}})
        quote = make_quote(firm, discount_value=D("100"), probability=60)
        assert (quote.tax_amount, quote.total, quote.weighted_value) == (
            D("270.00"), D("2420.00"), D("1452.00"))

    def test_numbered_per_firm_and_year(self, firm, other_firm):
        first, second = make_quote(firm), make_quote(firm)
        elsewhere = make_quote(other_firm)
        assert first.number == f"QT-{year(firm)}-0001"
        assert second.number == f"QT-{year(firm)}-0002"
        assert elsewhere.number == f"QT-{year(other_firm)}-0001"

    def test_refused_quote_burns_no_number(self, firm):
        with pytest.raises(ApplicationError):
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 10,
                                     "discount_percent": 90}])
        assert make_quote(firm).number == f"QT-{year(firm)}-0001"
        assert Sequence.objects.get(firm=firm, document_type="quote").last_number == 1

    def test_defaults(self, firm, admin_user):
        customer = make_customer(firm, email="buyer@example.com", phone="0500000000",
                                 contacts=[{"name": "Noura", "email": "noura@example.com",
                                            "is_primary": True}])
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"default_validity_days": 14},
            "documents": {"default_terms_and_conditions": "Net 30",
                          "default_terms_and_conditions_ar": "صافي ٣٠"}})
        quote = make_quote(firm, actor=admin_user, customer=customer)
        today = core_services.firm_today(firm=firm)
        assert (quote.quote_date, quote.valid_until) == (today,
                                                         today + datetime.timedelta(days=14))
        assert (quote.owner_id, quote.created_by_id) == (admin_user.pk, admin_user.pk)
        assert (quote.contact_name, quote.contact_email) == ("Noura", "noura@example.com")
        assert (quote.terms, quote.terms_ar) == ("Net 30", "صافي ٣٠")
        assert (quote.status, quote.version, quote.currency) == ("draft", 1, "SAR")
        assert quote.probability is None and quote.weighted_value is None
        assert len(quote.public_token) >= 40
        event = DocumentEvent.objects.get(object_id=quote.pk, action="created")
        assert (event.to_status, event.actor_id) == ("draft", admin_user.pk)
        record = quote.history.get()
        assert (record.history_user_id, record.history_change_reason) == (admin_user.pk,
                                                                          "created")

    def test_lead_quote_takes_lead_details(self, firm):
        lead = make_lead(firm, probability=D("40"), email="lead@example.com")
        quote = make_quote(firm, lead=lead)
        assert quote.probability == D("40")
        assert quote.weighted_value == D("963.20")  # 2408 × 40 %
        assert quote.contact_email == "lead@example.com"

    def test_customer_or_lead_required(self, firm):
        with pytest.raises(ValidationError) as refused:
            services.quote_create(firm=firm, actor=None, lines=[])
        assert "customer" in refused.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            Quote.objects.create(firm=firm, number="X")

    def test_product_fills_the_line(self, firm):
        core_services.settings_row(firm=firm)
        product = make_product(firm, name="Router", name_ar="موجه", unit="box",
                               standard_price=D("250"), cost_price=D("200"), tax_rate=D("5"))
        quote = make_quote(firm, lines=[{"product": product, "quantity": 2}])
        line = quote.lines.get()
        assert (line.description, line.description_ar, line.unit) == ("Router", "موجه", "box")
        assert (line.unit_price, line.cost_price, line.tax_rate) == (D("250"), D("200"), D("5"))
        assert (quote.subtotal, quote.tax_amount, quote.total) == (D("500.00"), D("25.00"),
                                                                    D("525.00"))

    def test_line_without_rate_takes_the_firm_rate(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "tax": {"default_tax_rate": "5"}})
        quote = make_quote(firm, lines=[{"description": "Work", "quantity": 1,
                                         "unit_price": 100}])
        assert quote.lines.get().tax_rate == D("5")
        assert quote.total == D("105.00")

    def test_line_errors_name_the_item(self, firm):
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[EXAMPLE_LINES[0], {"description": "X", "quantity": 0,
                                                       "unit_price": 1}])
        assert list(refused.value.message_dict) == ["items.1.quantity"]
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 1,
                                     "discount_percent": 5, "discount_amount": 1}])
        assert list(refused.value.message_dict) == ["items.0.discount_amount"]

    def test_system_fields_refused(self, firm):
        for field in ["number", "status", "total", "needs_approval", "version"]:
            with pytest.raises(ValidationError) as refused:
                make_quote(firm, **{field: "1"})
            assert list(refused.value.message_dict) == [field]

    def test_another_firms_rows_refused(self, firm, other_firm):
        customer = make_customer(other_firm)
        with pytest.raises(ValidationError) as refused:
            services.quote_create(firm=firm, actor=None, customer=customer, lines=[])
        assert list(refused.value.message_dict) == ["customer"]
        core_services.settings_row(firm=other_firm)
        product = make_product(other_firm)
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[{"product": product, "quantity": 1}])
        assert list(refused.value.message_dict) == ["items.0.product"]


@pytest.mark.django_db
class TestDiscountsAndWarnings:
    def test_line_discount_above_limit_refused(self, firm):
        with pytest.raises(ApplicationError) as refused:
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 100,
                                     "discount_percent": 25}])
        assert refused.value.code == "discount_above_limit"
        assert list(refused.value.details) == ["items.0.discount_percent"]
        assert not Quote.objects.filter(firm=firm).exists()

    def test_document_discount_above_limit_refused(self, firm):
        with pytest.raises(ApplicationError) as refused:
            make_quote(firm, discount_type="percentage", discount_value=16)
        assert list(refused.value.details) == ["discount_value"]

    def test_margin_warning_kept(self, firm):
        quote = make_quote(firm, lines=[{"description": "X", "quantity": 1,
                                         "unit_price": 100, "cost_price": 95}])
        [warning] = quote.warnings
        assert (warning["code"], warning["line"], warning["margin_percent"]) == (
            "below_minimum_margin", 0, D("5.00"))
        assert Quote.objects.get(pk=quote.pk).warnings[0]["margin_percent"] == "5.00"

    def test_no_warning_when_switched_off(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "pricing": {"warn_below_minimum_margin": False}})
        quote = make_quote(firm, lines=[{"description": "X", "quantity": 1,
                                         "unit_price": 100, "cost_price": 95}])
        assert quote.warnings == []


@pytest.mark.django_db
class TestUpdate:
    def test_lines_replaced_and_totals_recomputed(self, firm, admin_user):
        quote = make_quote(firm)
        old_ids = set(quote.lines.values_list("pk", flat=True))
        updated = services.quote_update(
            quote=quote, actor=admin_user, shipping_cost=D("40"), discount_value=0,
            lines=[{"description": "Only", "quantity": 4, "unit_price": D("25.50"),
                    "tax_rate": 15}])
        stored = Quote.objects.get(pk=quote.pk)
        assert list(stored.lines.values_list("description", "line_total")) == [
            ("Only", D("102.00"))]
        assert not QuoteLine.objects.filter(pk__in=old_ids).exists()
        assert (stored.subtotal, stored.tax_amount, stored.shipping_cost, stored.total) == (
            D("102.00"), D("15.30"), D("40.00"), D("157.30"))
        assert updated.total == stored.total
        assert stored.history.first().history_user_id == admin_user.pk

    def test_fields_only_keeps_lines(self, firm):
        quote = make_quote(firm)
        services.quote_update(quote=quote, actor=None, discount_type="percentage",
                              discount_value=10)
        stored = Quote.objects.get(pk=quote.pk)
        assert stored.lines.count() == 2
        assert (stored.discount_amount, stored.after_discount) == (D("225.00"), D("2025.00"))

    @pytest.mark.parametrize("status", ["pending_approval", "approved", "sent", "accepted",
                                        "cancelled", "archived"])
    def test_only_drafts_are_editable(self, firm, status):
        quote = quote_in(firm, status)
        with pytest.raises(ApplicationError) as refused:
            services.quote_update(quote=quote, actor=None, notes="late")
        assert (refused.value.code, refused.value.status_code) == ("quote_not_editable", 409)
        assert refused.value.details == {"status": status}
        assert Quote.objects.get(pk=quote.pk).notes == ""

    def test_quote_totals_reads_without_saving(self, firm):
        quote = make_quote(firm, discount_value=D("100"))
        QuoteLine.objects.filter(quote=quote, position=0).update(quantity=3)
        totals = services.quote_totals(quote=quote)
        assert totals.subtotal == D("3150.00")
        assert Quote.objects.get(pk=quote.pk).subtotal == D("2250.00")
