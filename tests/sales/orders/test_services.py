"""Sales order services (business-rules §2, §6): every transition
allowed and refused, progress → status exactly, cancel rules, pricing rule usage, conversion
from a quote once, soft delete with the campaign, draft-only edits and deletes."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import core.registry
import sales.receivers  # connects the campaign_deleted receiver (until SalesConfig.ready)
from core import services as core_services
from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent
from crm import services as crm_services
from pricing.models import PricingRule, PricingRuleUsage
from sales import signals
from sales.orders import services
from sales.orders.actions import ORDER_ACTIONS
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.contracts.documents import assert_declaration_follows_machine
from tests.crm.factories import make_campaign, make_customer, make_sales_person
from tests.pricing.factories import make_product, make_rule
from tests.sales.factories import make_order, order_in, quote_in, set_quantities

assert sales.receivers

S = SalesOrderStatus
ALL = list(S)
OPEN = [S.CONFIRMED, S.IN_PROGRESS, S.PARTIALLY_SHIPPED, S.SHIPPED, S.PARTIALLY_INVOICED,
        S.INVOICED]
CANCELLABLE = [S.DRAFT, S.CONFIRMED, S.IN_PROGRESS, S.ON_HOLD]


@pytest.fixture
def received():
    """Every order signal sent, as (signal name, order id)."""
    calls = []
    receivers = {}
    for name in ("order_confirmed", "order_cancelled", "order_deleted", "order_status_changed"):
        def receiver(sender, order, name=name, **kwargs):
            calls.append((name, order.pk))
        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield calls
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def events_of(order):
    """The order's timeline (other documents may share its id)."""
    return DocumentEvent.objects.filter(
        object_id=order.pk, content_type=ContentType.objects.get_for_model(SalesOrder))


def status_of(order) -> str:
    return SalesOrder.all_objects.get(pk=order.pk).status


# --- create, update, delete ---------------------------------------------------------------


@pytest.mark.django_db
class TestCreate:
    def test_numbered_priced_and_defaults_from_the_customer(self, firm, admin_user):
        seller = make_sales_person(firm)
        customer = make_customer(firm, owner=seller.user, payment_terms="net_60")
        order = make_order(firm, actor=admin_user, customer=customer)
        assert order.number.startswith("SO-") and order.number.endswith("-0001")
        assert order.status == S.DRAFT
        assert (order.subtotal, order.discount_amount, order.tax_amount, order.total) == (
            Decimal("2250.00"), Decimal("100.00"), Decimal("258.00"), Decimal("2408.00"))
        assert order.balance_due == Decimal("2408.00")
        assert order.sales_person == seller
        assert order.sales_team == seller.team
        assert order.payment_terms == "net_60"
        assert (order.customer_name, order.customer_name_ar) == (customer.name,
                                                                 customer.name_ar)
        lines = list(order.lines.order_by("position"))
        assert [line.line_total for line in lines] == [Decimal("1800.00"), Decimal("450.00")]
        assert events_of(order).filter(action="created").count() == 1
        assert order.history.latest().history_user == admin_user

    def test_second_order_takes_the_next_number(self, firm):
        first, second = make_order(firm), make_order(firm)
        assert int(second.number[-4:]) == int(first.number[-4:]) + 1

    def test_customer_required(self, firm):
        with pytest.raises(ValidationError) as error:
            services.order_create(firm=firm, actor=None, lines=[])
        assert "customer" in error.value.message_dict

    def test_unknown_fields_refused(self, firm):
        with pytest.raises(ValidationError) as error:
            make_order(firm, status="confirmed")
        assert "status" in error.value.message_dict

    def test_line_errors_name_the_line(self, firm):
        with pytest.raises(ValidationError) as error:
            make_order(firm, lines=[{"description": "x", "quantity": Decimal("0"),
                                     "unit_price": Decimal("1")}])
        assert "items.0.quantity" in error.value.message_dict

    def test_discount_above_limit_refused(self, firm):
        with pytest.raises(ApplicationError) as error:
            make_order(firm, lines=[{"description": "x", "quantity": Decimal("1"),
                                     "unit_price": Decimal("100"),
                                     "discount_percent": Decimal("50")}])
        assert error.value.code == "discount_above_limit"
        assert SalesOrder.objects.count() == 0

    def test_product_lines_are_priced_by_the_resolver(self, firm):
        product = make_product(firm, standard_price=Decimal("250"))
        order = make_order(firm, lines=[{"product": product, "quantity": Decimal("2")}])
        line = order.lines.get()
        assert (line.unit_price, line.line_total) == (Decimal("250.00"), Decimal("500.00"))
        assert line.description == product.name
        assert line.pricing_trace["base_price"] == 250

    def test_other_firms_references_refused(self, firm, other_firm):
        foreign = make_customer(other_firm)
        with pytest.raises(ValidationError) as error:
            make_order(firm, customer=foreign)
        assert "customer" in error.value.message_dict

    def test_address_of_another_customer_refused(self, firm):
        other = make_customer(firm, addresses=[{"kind": "billing", "line1": "1 Road",
                                                "city": "Riyadh"}])
        with pytest.raises(ValidationError) as error:
            make_order(firm, billing_address=other.addresses.get())
        assert "billing_address" in error.value.message_dict


@pytest.mark.django_db
class TestUpdateAndDelete:
    def test_draft_lines_replaced_and_totals_recomputed(self, firm, admin_user):
        order = make_order(firm)
        updated = services.order_update(
            order=order, actor=admin_user, discount_value=Decimal("0"),
            lines=[{"description": "Only", "quantity": Decimal("3"),
                    "unit_price": Decimal("10"), "tax_rate": Decimal("15")}])
        assert updated.lines.count() == 1
        assert (updated.subtotal, updated.tax_amount, updated.total) == (
            Decimal("30.00"), Decimal("4.50"), Decimal("34.50"))

    @pytest.mark.parametrize("status", [s for s in ALL if s != S.DRAFT])
    def test_only_drafts_are_edited(self, firm, status):
        order = order_in(firm, status)
        with pytest.raises(ApplicationError) as error:
            services.order_update(order=order, actor=None, notes="x")
        assert (error.value.code, error.value.status_code) == ("order_not_editable", 409)

    def test_draft_deleted_with_its_lines(self, firm, admin_user):
        order = make_order(firm)
        services.order_delete(order=order, actor=admin_user)
        assert not SalesOrder.all_objects.filter(pk=order.pk).exists()
        assert not SalesOrderLine.objects.filter(order_id=order.pk).exists()

    @pytest.mark.parametrize("status", [s for s in ALL if s != S.DRAFT])
    def test_only_drafts_are_deleted(self, firm, status):
        order = order_in(firm, status)
        with pytest.raises(ApplicationError) as error:
            services.order_delete(order=order, actor=None)
        assert (error.value.code, error.value.status_code) == ("order_not_deletable", 409)
        assert SalesOrder.all_objects.filter(pk=order.pk).exists()


# --- the state machine --------------------------------------------------------------------


def run(action, order, actor=None):
    if action == "confirm":
        return services.order_confirm(order=order, actor=actor)
    if action == "cancel":
        return services.order_cancel(order=order, actor=actor, reason="customer changed mind")
    if action == "hold":
        return services.order_hold(order=order, actor=actor)
    return services.order_resume(order=order, actor=actor)


ALLOWED = {
    "confirm": {S.DRAFT: S.CONFIRMED},
    "hold": dict.fromkeys(OPEN, S.ON_HOLD),
    # Nothing delivered or invoiced: progress gives confirmed.
    "resume": {S.ON_HOLD: S.CONFIRMED},
    "cancel": dict.fromkeys(CANCELLABLE, S.CANCELLED),
}
CASES = [(action, status) for action in ALLOWED for status in ALL]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_transition_allowed_or_refused(firm, admin_user, action, status):
    order = order_in(firm, status)
    expected = ALLOWED[action].get(status)
    history = order.history.count()
    if expected is not None:
        moved = run(action, order, admin_user)
        assert moved.status == expected == status_of(order)
        event = events_of(order).latest("id")
        assert (event.from_status, event.to_status, event.actor) == (status, expected,
                                                                     admin_user)
    else:
        with pytest.raises(InvalidTransition) as error:
            run(action, order, admin_user)
        assert error.value.status_code == 409
        assert error.value.details["from"] == status
        assert error.value.details["allowed"] == services.order_allowed_targets(order=order)
        assert status_of(order) == status
        assert order.history.count() == history


@pytest.mark.django_db
class TestConfirm:
    def test_copies_names_and_default_addresses(self, firm, admin_user, received,
                                                django_capture_on_commit_callbacks):
        customer = make_customer(firm, addresses=[
            {"kind": "billing", "line1": "1 King Road", "line1_ar": "١ طريق الملك",
             "city": "Riyadh", "city_ar": "الرياض", "postal_code": "12211",
             "is_default": True},
            {"kind": "shipping", "line1": "9 Port St", "city": "Jeddah"}])
        order = make_order(firm, customer=customer)
        crm_services.customer_update(customer=customer, actor=None, name="Renamed Co")
        with django_capture_on_commit_callbacks(execute=True):
            order = services.order_confirm(order=order, actor=admin_user)
        assert order.customer_name == "Renamed Co"
        assert order.billing_address_snapshot == {
            "id": order.billing_address_id, "address_line1": "1 King Road",
            "address_line1_ar": "١ طريق الملك", "address_line2": "", "city": "Riyadh",
            "city_ar": "الرياض", "region": "", "postal_code": "12211", "country": "SA"}
        assert order.shipping_address_snapshot["city"] == "Jeddah"
        assert (order.confirmed_by, order.confirmed_at is not None) == (admin_user, True)
        assert received == [("order_confirmed", order.pk)]

    def test_chosen_address_wins_and_shipping_falls_back_to_billing(self, firm):
        customer = make_customer(firm, addresses=[
            {"kind": "billing", "line1": "A", "city": "Riyadh", "is_default": True},
            {"kind": "billing", "line1": "B", "city": "Dammam"}])
        chosen = customer.addresses.get(line1="B")
        order = services.order_confirm(order=make_order(firm, customer=customer,
                                                        billing_address=chosen), actor=None)
        assert order.billing_address_snapshot["address_line1"] == "B"
        assert order.shipping_address_snapshot["address_line1"] == "B"

    def test_needs_a_line(self, firm):
        order = make_order(firm, lines=[])
        with pytest.raises(ApplicationError) as error:
            services.order_confirm(order=order, actor=None)
        assert error.value.code == "order_incomplete"
        assert "items" in error.value.details
        assert status_of(order) == S.DRAFT

    def test_discount_needing_approval(self, firm, users, received,
                                       django_capture_on_commit_callbacks):
        core_services.settings_update(firm=firm, actor=None, changes={
            "discounts": {"require_discount_approval": True}})
        order = make_order(firm, lines=[{"description": "x", "quantity": Decimal("1"),
                                         "unit_price": Decimal("100"),
                                         "discount_percent": Decimal("50")}])
        assert order.needs_approval
        with pytest.raises(ApplicationError) as error:
            services.order_confirm(order=order, actor=users["admin"])
        assert (error.value.code, error.value.status_code) == ("approval_required", 409)
        with pytest.raises(ApplicationError) as refused:
            services.order_approve(order=order, actor=users["sales_person"])
        assert refused.value.status_code == 403
        services.order_approve(order=order, actor=users["sales_manager"])
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = services.order_confirm(order=order, actor=users["admin"])
        assert confirmed.status == S.CONFIRMED
        assert received == [("order_confirmed", order.pk)]

    def test_an_edit_drops_the_approval(self, firm, admin_user):
        core_services.settings_update(firm=firm, actor=None, changes={
            "orders": {"require_approval": True, "approval_threshold": "1000"}})
        order = make_order(firm)
        services.order_approve(order=order, actor=admin_user)
        edited = services.order_update(order=order, actor=admin_user, notes="changed")
        assert edited.approved_at is None
        with pytest.raises(ApplicationError) as error:
            services.order_confirm(order=order, actor=admin_user)
        assert error.value.code == "approval_required"

    def test_approval_not_needed(self, firm, admin_user):
        with pytest.raises(ApplicationError) as error:
            services.order_approve(order=make_order(firm), actor=admin_user)
        assert (error.value.code, error.value.status_code) == ("approval_not_needed", 409)


# --- progress (business-rules §6) ----------------------------------------------------------------

# (delivery %, invoicing %, open delivery note) → status: each row of the rule.
RULE_TABLE = [
    ("100", "100", False, S.COMPLETED),
    ("50", "100", False, S.INVOICED),
    ("0", "100", True, S.INVOICED),
    ("100", "50", False, S.PARTIALLY_INVOICED),
    ("0", "0.0001", False, S.PARTIALLY_INVOICED),
    ("100", "0", False, S.SHIPPED),
    ("100", "0", True, S.SHIPPED),
    ("99.9999", "0", False, S.PARTIALLY_SHIPPED),
    ("0.0001", "0", True, S.PARTIALLY_SHIPPED),
    ("0", "0", True, S.IN_PROGRESS),
    ("0", "0", False, S.CONFIRMED),
]


@pytest.mark.parametrize(("delivery", "invoicing", "open_note", "expected"), RULE_TABLE)
def test_status_for_progress_rule(delivery, invoicing, open_note, expected):
    assert services.order_status_for_progress(
        delivery_progress=Decimal(delivery), invoicing_progress=Decimal(invoicing),
        has_open_delivery=open_note) == expected


# Lines of 2 and 1 ordered: (delivered, invoiced, open note) → progress and status.
QUANTITY_TABLE = [
    ([2, 1], [2, 1], False, "100.0000", "100.0000", S.COMPLETED),
    ([1, 0], [2, 1], False, "33.3333", "100.0000", S.INVOICED),
    ([2, 1], [1, 0], False, "100.0000", "33.3333", S.PARTIALLY_INVOICED),
    ([0, 0], [0, 1], False, "0.0000", "33.3333", S.PARTIALLY_INVOICED),
    ([2, 1], [0, 0], False, "100.0000", "0.0000", S.SHIPPED),
    ([2, 0], [0, 0], True, "66.6667", "0.0000", S.PARTIALLY_SHIPPED),
    ([0, 0], [0, 0], True, "0.0000", "0.0000", S.IN_PROGRESS),
    ([0, 0], [0, 0], False, "0.0000", "0.0000", S.CONFIRMED),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("delivered", "invoiced", "open_note", "delivery", "invoicing",
                          "expected"), QUANTITY_TABLE)
def test_progress_update_moves_the_status(firm, admin_user, received,
                                          django_capture_on_commit_callbacks, delivered,
                                          invoiced, open_note, delivery, invoicing, expected):
    order = services.order_confirm(order=make_order(firm), actor=admin_user)
    set_quantities(order, delivered=delivered, invoiced=invoiced)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.order_progress_update(order=order, has_open_delivery=open_note)
    assert (moved.delivery_progress, moved.invoicing_progress) == (Decimal(delivery),
                                                                   Decimal(invoicing))
    assert moved.status == expected == status_of(order)
    changed = [call for call in received if call[0] == "order_status_changed"]
    assert changed == ([] if expected == S.CONFIRMED else [("order_status_changed", order.pk)])


@pytest.mark.django_db
class TestProgressAroundHolds:
    def test_open_delivery_checks_are_asked(self, firm, monkeypatch):
        order = services.order_confirm(order=make_order(firm), actor=None)
        monkeypatch.setattr(core.registry, "_order_open_delivery_checks", [lambda o: True])
        assert services.order_progress_update(order=order).status == S.IN_PROGRESS

    def test_on_hold_keeps_its_status_and_resume_applies_progress(self, firm, admin_user):
        order = services.order_confirm(order=make_order(firm), actor=admin_user)
        services.order_hold(order=order, actor=admin_user)
        set_quantities(order, delivered=[2, 0])
        held = services.order_progress_update(order=order)
        assert (held.status, held.delivery_progress) == (S.ON_HOLD, Decimal("66.6667"))
        assert services.order_allowed_targets(order=held) == [S.PARTIALLY_SHIPPED]
        resumed = services.order_resume(order=order, actor=admin_user)
        assert resumed.status == S.PARTIALLY_SHIPPED

    def test_progress_can_go_back(self, firm):
        order = services.order_confirm(order=make_order(firm), actor=None)
        set_quantities(order, delivered=[2, 1], invoiced=[2, 1])
        assert services.order_progress_update(order=order).status == S.COMPLETED
        set_quantities(order, invoiced=[0, 0])
        assert services.order_progress_update(order=order).status == S.SHIPPED

    def test_quantities_never_exceed_the_ordered(self, firm):
        order = make_order(firm)
        line = order.lines.order_by("position").first()
        for field in ("delivered_quantity", "invoiced_quantity"):
            with pytest.raises(IntegrityError), transaction.atomic():
                SalesOrderLine.objects.filter(pk=line.pk).update(**{field: Decimal("2.0001")})
        with pytest.raises(IntegrityError), transaction.atomic():
            SalesOrderLine.objects.filter(pk=line.pk).update(returned_quantity=Decimal("1"))


# --- cancel ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCancel:
    def test_reason_required(self, firm):
        order = make_order(firm)
        with pytest.raises(ValidationError) as error:
            services.order_cancel(order=order, actor=None, reason="  ")
        assert "reason" in error.value.message_dict
        assert status_of(order) == S.DRAFT

    def test_records_who_and_why(self, firm, admin_user, received,
                                 django_capture_on_commit_callbacks):
        order = services.order_confirm(order=make_order(firm), actor=admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = services.order_cancel(order=order, actor=admin_user, reason="Duplicate")
        assert (cancelled.cancellation_reason, cancelled.cancelled_by) == ("Duplicate",
                                                                           admin_user)
        assert received[-1] == ("order_cancelled", order.pk)

    @pytest.mark.parametrize("status", [S.CONFIRMED, S.ON_HOLD, S.IN_PROGRESS])
    @pytest.mark.parametrize("field", ["delivered", "invoiced"])
    def test_refused_once_anything_is_delivered_or_invoiced(self, firm, status, field):
        order = order_in(firm, status)
        set_quantities(order, **{field: [Decimal("0.5"), 0]})
        with pytest.raises(InvalidTransition) as error:
            services.order_cancel(order=order, actor=None, reason="too late")
        assert error.value.status_code == 409
        assert S.CANCELLED not in error.value.details["allowed"]
        assert status_of(order) == status


# --- pricing rule usage (business-rules §10) ------------------------------------------------------


@pytest.mark.django_db
class TestRuleUsage:
    def priced_order(self, firm, **rule):
        make_rule(firm, **rule)
        product = make_product(firm, standard_price=Decimal("100"))
        return make_order(firm, lines=[{"product": product, "quantity": Decimal("2")}])

    def test_recorded_on_confirm_and_released_on_cancel(self, firm):
        order = self.priced_order(firm)
        rule = PricingRule.objects.get(firm=firm)
        assert order.lines.get().discount_amount == Decimal("20.00")
        assert not PricingRuleUsage.objects.exists()
        services.order_confirm(order=order, actor=None)
        usage = PricingRuleUsage.objects.get()
        assert (usage.rule_id, usage.source_type, usage.source_id, usage.discount_amount) == (
            rule.pk, "sales_order", order.pk, Decimal("20.00"))
        assert PricingRule.objects.get(pk=rule.pk).usage_count == 1
        services.order_cancel(order=order, actor=None, reason="lost")
        assert PricingRuleUsage.objects.get().released_at is not None
        assert PricingRule.objects.get(pk=rule.pk).usage_count == 0

    def test_limit_reached_refuses_the_confirmation(self, firm):
        first = self.priced_order(firm, usage_limit=1)
        product = first.lines.get().product
        second = make_order(firm, lines=[{"product": product, "quantity": Decimal("1")}])
        services.order_confirm(order=first, actor=None)
        with pytest.raises(ApplicationError) as error:
            services.order_confirm(order=second, actor=None)
        assert (error.value.code, error.value.status_code) == ("usage_limit_reached", 409)
        assert status_of(second) == S.DRAFT

    def test_hand_discount_uses_no_rule(self, firm):
        make_rule(firm)
        product = make_product(firm, standard_price=Decimal("100"))
        order = make_order(firm, lines=[{"product": product, "quantity": Decimal("1"),
                                         "discount_percent": Decimal("5")}])
        services.order_confirm(order=order, actor=None)
        assert not PricingRuleUsage.objects.exists()


# --- from a quote ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestFromQuote:
    def test_accepted_quote_once(self, firm, admin_user):
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        order = services.order_from_quote(quote=quote, actor=admin_user)
        assert (order.quote, order.quote_number, order.customer) == (quote, quote.number,
                                                                    quote.customer)
        assert order.status == S.DRAFT and order.total == quote.total == Decimal("2408.00")
        assert [(line.description, line.quantity, line.line_total)
                for line in order.lines.order_by("position")] == [
            (line.description, line.quantity, line.line_total)
            for line in quote.lines.order_by("position")]
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.CONVERTED
        with pytest.raises(ApplicationError) as error:
            services.order_from_quote(quote=quote, actor=admin_user)
        assert (error.value.code, error.value.status_code) == ("quote_already_converted", 409)
        assert error.value.details["order_id"] == order.pk
        assert SalesOrder.objects.count() == 1

    @pytest.mark.parametrize("status", [QuoteStatus.DRAFT, QuoteStatus.SENT,
                                        QuoteStatus.REJECTED])
    def test_quote_not_accepted_refused(self, firm, status):
        quote = quote_in(firm, status)
        with pytest.raises(InvalidTransition) as error:
            services.order_from_quote(quote=quote, actor=None)
        assert error.value.details["from"] == status
        assert not SalesOrder.objects.exists()


# --- soft delete with the campaign ----------------------------------------


@pytest.mark.django_db
class TestCampaignSoftDelete:
    def test_orders_leave_lists_and_stats_and_stay_readable(
            self, firm, admin_user, received, django_capture_on_commit_callbacks):
        from sales.orders.selectors import order_stats

        campaign = make_campaign(firm)
        doomed = [services.order_confirm(order=make_order(firm, campaign=campaign),
                                         actor=None) for _ in range(2)]
        kept = services.order_confirm(order=make_order(firm), actor=None)
        assert order_stats()["booked_count"] == 3
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            crm_services.campaign_delete(campaign=campaign, actor=admin_user)
        assert list(SalesOrder.objects.values_list("pk", flat=True)) == [kept.pk]
        for order in doomed:
            row = SalesOrder.all_objects.get(pk=order.pk)
            assert row.deleted_at is not None and row.status == S.CONFIRMED
            assert row.history.latest().history_user == admin_user
        stats = order_stats()
        assert (stats["count"], stats["booked_count"], stats["booked_amount"]) == (
            1, 1, Decimal("2408.00"))
        assert sorted(received) == sorted(("order_deleted", order.pk) for order in doomed)
        # Deleting again sends nothing more.
        with django_capture_on_commit_callbacks(execute=True):
            crm_services.campaign_delete(campaign=campaign, actor=admin_user)
            services.orders_soft_delete_for_campaign(campaign=campaign, actor=admin_user)
        assert len(received) == 2

    def test_deleted_orders_refuse_actions(self, firm):
        campaign = make_campaign(firm)
        order = make_order(firm, campaign=campaign)
        services.orders_soft_delete_for_campaign(campaign=campaign)
        with pytest.raises(ApplicationError) as error:
            services.order_confirm(order=order, actor=None)
        assert (error.value.code, error.value.status_code) == ("order_deleted", 409)
        assert services.order_allowed_targets(
            order=SalesOrder.all_objects.get(pk=order.pk)) == []


# --- stats ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stats_exact(firm):
    import datetime

    from sales.orders.selectors import order_stats

    big = make_customer(firm, name="Big Buyer")
    small = make_customer(firm, name="Small Buyer")
    one_line = [{"description": "x", "quantity": Decimal("1"), "unit_price": Decimal("100"),
                 "tax_rate": Decimal("15")}]  # total 115.00
    january, february = datetime.date(2026, 1, 10), datetime.date(2026, 2, 3)
    services.order_confirm(order=make_order(firm, customer=big, order_date=january),
                           actor=None)  # 2408.00
    services.order_confirm(order=make_order(firm, customer=big, order_date=february,
                                            lines=one_line), actor=None)
    services.order_confirm(order=make_order(firm, customer=small, order_date=february,
                                            lines=one_line), actor=None)
    make_order(firm, customer=small, order_date=february)  # draft: not booked
    cancelled = make_order(firm, customer=small, order_date=january, lines=one_line)
    services.order_cancel(order=cancelled, actor=None, reason="x")
    stats = order_stats()
    assert stats["count"] == 5
    assert (stats["booked_count"], stats["booked_amount"], stats["balance_due"],
            stats["average_order_value"]) == (3, Decimal("2638.00"), Decimal("2638.00"),
                                              Decimal("879.33"))
    by_status = {row["status"]: (row["count"], row["amount"]) for row in stats["by_status"]}
    assert by_status[S.CONFIRMED] == (3, Decimal("2638.00"))
    assert by_status[S.DRAFT] == (1, Decimal("2408.00"))
    assert by_status[S.CANCELLED] == (1, Decimal("115.00"))
    assert by_status[S.SHIPPED] == (0, Decimal("0.00"))
    assert stats["by_month"] == [
        {"month": "2026-01", "count": 1, "amount": Decimal("2408.00")},
        {"month": "2026-02", "count": 2, "amount": Decimal("230.00")}]
    assert [(row["customer_name"], row["count"], row["amount"])
            for row in stats["top_customers"]] == [("Big Buyer", 2, Decimal("2523.00")),
                                                   ("Small Buyer", 1, Decimal("115.00"))]


# --- the action declaration (sales.orders.actions) ------------------------------------------

def _order_for_walk(firm, status: str) -> SalesOrder:
    """An order in `status`; "draft_approval" is a draft waiting for approval and
    "partially_invoiced_billed" a partially invoiced order with invoiced quantities."""
    if status == "draft_approval":
        order = order_in(firm, "draft")
        SalesOrder.objects.filter(pk=order.pk).update(needs_approval=True)
    elif status == "partially_invoiced_billed":
        order = order_in(firm, "partially_invoiced")
        set_quantities(order, invoiced=[1, 0])
    else:
        order = order_in(firm, status)
    return SalesOrder.all_objects.get(pk=order.pk)


@pytest.mark.django_db
def test_the_declared_actions_follow_the_state_machine(firm, admin_user):
    offered = assert_declaration_follows_machine(
        ORDER_ACTIONS, make=lambda status: _order_for_walk(firm, status), user=admin_user,
        statuses=[*SalesOrderStatus.values, "draft_approval", "partially_invoiced_billed"])
    assert offered["draft"] == ["cancel", "confirm"]
    assert offered["draft_approval"] == ["approve", "cancel"]
    assert offered["on_hold"] == ["cancel", "resume"]
    assert offered["partially_invoiced_billed"] == ["hold"]
    assert offered["cancelled"] == []


# --- counting delivered / invoiced / returned quantities (order_lines_count) -----------------

@pytest.mark.django_db
class TestLinesCount:
    def test_counts_records_and_moves_the_order(self, firm, admin_user):
        order = order_in(firm, "confirmed")
        first = order.lines.order_by("position", "pk").first()
        moved = services.order_lines_count(order=order, field="delivered_quantity",
                                           quantities={first.pk: first.quantity}, sign=1,
                                           actor=admin_user)
        first.refresh_from_db()
        assert first.delivered_quantity == first.quantity
        assert moved.status == S.PARTIALLY_SHIPPED and moved.delivery_progress > 0
        event = DocumentEvent.objects.filter(object_id=order.pk,
                                             action="delivered_quantity").get()
        assert event.actor == admin_user
        assert event.details == {"sign": 1, "lines": {str(first.pk): str(first.quantity)}}

    @pytest.mark.parametrize(("sign", "amount"), [(1, "99"), (-1, "1")])
    def test_refuses_beyond_the_line_and_changes_nothing(self, firm, sign, amount):
        order = order_in(firm, "confirmed")
        line = order.lines.order_by("position", "pk").first()
        with pytest.raises(ApplicationError) as refused:
            services.order_lines_count(order=order, field="returned_quantity",
                                       quantities={line.pk: Decimal(amount)}, sign=sign,
                                       actor=None)
        assert refused.value.code == "quantity_exceeds_remaining"
        assert list(refused.value.details) == [f"lines.order_line_{line.pk}.quantity"]
        line.refresh_from_db()
        assert line.returned_quantity == 0
        assert SalesOrder.objects.get(pk=order.pk).status == S.CONFIRMED

    def test_a_line_of_another_order_is_refused(self, firm):
        order, other = order_in(firm, "confirmed"), order_in(firm, "confirmed")
        line = other.lines.first()
        with pytest.raises(ValueError):
            services.order_lines_count(order=order, field="delivered_quantity",
                                       quantities={line.pk: Decimal("1")}, sign=1, actor=None)
