"""What may come back, until when and for how much (business-rules §9), on orders delivered
through the delivery services: returnable quantities, windows, policies and frozen amounts."""

import datetime
from decimal import Decimal

import pytest

from core.services import firm_today
from delivery.models import DeliveryNote
from returns.choices import ReturnStatus, SourceType
from returns.eligibility import Ineligible, eligibility_check, lines_check, source_of
from returns.models import ReturnOrder, ReturnOrderLine, ReturnPolicy
from tests.crm.factories import make_customer, make_customer_group
from tests.delivery.factories import advance, deliver, make_note
from tests.pricing.factories import make_group, make_product
from tests.sales.factories import confirmed_order, lines_of, posted_invoice, set_quantities

D = Decimal
pytestmark = pytest.mark.django_db
ONE_AT_100 = {"description": "Kettle", "quantity": D("2"), "unit_price": D("100"),
              "tax_rate": D("15")}


def delivered_order(firm, *, lines=None, **kw):
    """A confirmed order delivered in full today through a delivery note."""
    order = confirmed_order(firm, lines=lines or [ONE_AT_100], **kw)
    note = advance(make_note(firm, order=order), "in_transit")
    deliver(note)
    return order


def check(firm, order, quantity, reason="changed_mind", source_type=SourceType.SALES_ORDER,
          source_id=None):
    from core.services import settings_read

    source = source_of(firm=firm, source_type=source_type, source_id=source_id or order.pk)
    line = lines_of(order)[0]
    return lines_check(source=source, rows=[{"order_line_id": line.pk, "quantity": quantity}],
                       reason=reason, settings=settings_read(firm=firm),
                       today=firm_today(firm=firm))


def hold(firm, order, quantity, status=ReturnStatus.PENDING_APPROVAL):
    """Another return holding `quantity` of the order's first line."""
    line = lines_of(order)[0]
    held = ReturnOrder.objects.create(
        firm=firm, number=f"RMA-{ReturnOrder.objects.count() + 1}", order=order,
        customer=order.customer, source_type=SourceType.SALES_ORDER, reason="defective",
        requested_resolution="refund")
    ReturnOrder.objects.filter(pk=held.pk).update(status=status)
    ReturnOrderLine.objects.create(
        firm=firm, return_order=held, order_line=line, description=line.description,
        ordered_quantity=line.quantity, quantity=D(quantity), unit_value=D("100"),
        reason="defective")
    return held


def test_one_of_two_returned_leaves_one(firm):
    order = delivered_order(firm)
    hold(firm, order, "1")
    with pytest.raises(Ineligible) as refused:
        check(firm, order, "2")
    assert refused.value.errors == {"lines.0.quantity": ["At most 1 can be returned."]}
    assert [line.returnable for line in refused.value.checks] == [D("1")]
    assert check(firm, order, "1")[0].eligible


def test_cancelled_and_rejected_returns_hold_nothing(firm):
    order = delivered_order(firm)
    hold(firm, order, "2", status=ReturnStatus.CANCELLED)
    hold(firm, order, "2", status=ReturnStatus.REJECTED)
    assert check(firm, order, "2")[0].returnable == D("2")


def test_received_return_holds_what_was_received(firm):
    order = delivered_order(firm)
    held = hold(firm, order, "2", status=ReturnStatus.RECEIVED)
    held.lines.update(received_quantity=D("1"))
    assert check(firm, order, "1")[0].returnable == D("1")


def test_past_the_window_is_refused_with_its_end(firm):
    order = delivered_order(firm)
    delivered_at = datetime.datetime(2026, 1, 5, 10, tzinfo=datetime.UTC)
    DeliveryNote.objects.filter(order=order).update(actual_delivery_date=delivered_at)
    with pytest.raises(Ineligible) as refused:
        check(firm, order, "1")
    assert refused.value.errors == {
        "lines.0.quantity": ["The return window closed on 2026-02-04."]}
    assert refused.value.checks[0].window_ends == datetime.date(2026, 2, 4)


def test_no_delivery_date_is_refused(firm):
    order = confirmed_order(firm, lines=[ONE_AT_100])
    set_quantities(order, delivered=["2"])
    with pytest.raises(Ineligible) as refused:
        check(firm, order, "1")
    assert refused.value.errors == {"lines.0.quantity": [
        "The delivery date of this line is unknown, so its return window cannot start."]}


def test_nothing_delivered_is_refused(firm):
    order = confirmed_order(firm, lines=[ONE_AT_100])
    with pytest.raises(Ineligible) as refused:
        check(firm, order, "1")
    assert refused.value.checks[0].problems[0]["code"] == "nothing_delivered"


@pytest.mark.parametrize(("reason", "refund", "fee"), [
    ("changed_mind", "103.50", "11.50"), ("duplicate_order", "103.50", "11.50"),
    ("other", "103.50", "11.50"), ("defective", "115.00", "0.00"),
    ("wrong_item", "115.00", "0.00"), ("not_as_described", "115.00", "0.00"),
    ("late_delivery", "115.00", "0.00"), ("quality_issue", "115.00", "0.00")])
def test_restocking_fee_on_the_customers_reasons_only(firm, reason, refund, fee):
    order = delivered_order(firm)
    source = source_of(firm=firm, source_type=SourceType.SALES_ORDER, source_id=order.pk)
    answer = eligibility_check(source=source, reason=reason, rows=[
        {"order_line_id": lines_of(order)[0].pk, "quantity": "1"}])
    assert answer["eligible"]
    assert (answer["return_amount"], answer["restocking_fee"], answer["refund_amount"]) == (
        D("115.00"), D(fee), D(refund))
    line = answer["lines"][0]
    assert (line["unit_price"], line["unit_value"], line["restocking_fee_percent"]) == (
        D("100.00"), D("115.00"), D("10") if fee != "0.00" else D("0"))


def discounted_order(firm, product):
    """One line of 100 with a 10 % line discount, and 5 % off the whole order."""
    return delivered_order(firm, lines=[{
        "product": product, "description": "Drill", "quantity": D("1"),
        "unit_price": D("100"), "discount_percent": D("10"), "tax_rate": D("15")}],
        discount_type="percentage", discount_value=D("5"))


def test_unit_value_is_what_was_paid_never_todays_price(firm):
    product = make_product(firm, standard_price=D("100"))
    order = discounted_order(firm, product)
    product.standard_price = D("250")
    product.save()
    source = source_of(firm=firm, source_type=SourceType.SALES_ORDER, source_id=order.pk)
    answer = eligibility_check(source=source, reason="defective", rows=[
        {"order_line_id": lines_of(order)[0].pk, "quantity": "1"}])
    line = answer["lines"][0]
    assert (line["line_net"], line["line_tax"], line["return_amount"]) == (
        D("85.50"), D("12.83"), D("98.33"))
    assert answer["refund_amount"] == D("98.33")


def test_invoice_source_takes_the_invoice_lines_value(firm):
    product = make_product(firm)
    order = discounted_order(firm, product)
    invoice = posted_invoice(firm, order=order)
    source = source_of(firm=firm, source_type=SourceType.INVOICE, source_id=invoice.pk)
    answer = eligibility_check(source=source, reason="defective", rows=[
        {"order_line_id": lines_of(order)[0].pk, "quantity": "1"}])
    assert answer["refund_amount"] == invoice.total == D("98.33")
    assert answer["lines"][0]["invoice_line_id"] == invoice.lines.get().pk


def test_delivery_note_source_is_capped_by_what_it_delivered(firm):
    order = confirmed_order(firm, lines=[ONE_AT_100])
    first = advance(make_note(firm, order=order, quantity=1), "in_transit")
    deliver(first)
    source = source_of(firm=firm, source_type=SourceType.DELIVERY_NOTE, source_id=first.pk)
    answer = eligibility_check(source=source)
    assert [line["returnable_quantity"] for line in answer["lines"]] == [D("1")]
    assert answer["lines"][0]["delivery_line_id"] == first.lines.get().pk


def test_source_must_be_delivered_or_posted(firm, other_firm):
    from django.core.exceptions import ValidationError

    order = confirmed_order(firm, lines=[ONE_AT_100])
    note = make_note(firm, order=order)
    with pytest.raises(ValidationError) as refused:
        source_of(firm=firm, source_type=SourceType.DELIVERY_NOTE, source_id=note.pk)
    assert "source_id" in refused.value.message_dict
    with pytest.raises(ValidationError):
        source_of(firm=other_firm, source_type=SourceType.SALES_ORDER, source_id=order.pk)


def test_most_specific_policy_wins(firm):
    group = make_group(firm)
    vip = make_customer_group(firm)
    product = make_product(firm, group=make_group(firm, parent=group))
    ReturnPolicy.objects.create(firm=firm, name="House", window_days=14, is_default=True,
                                restocking_fee_percent=D("5"))
    by_group = ReturnPolicy.objects.create(firm=firm, name="Tools", window_days=60,
                                           restocking_fee_percent=D("20"))
    by_group.product_groups.add(group)
    both = ReturnPolicy.objects.create(firm=firm, name="VIP tools", window_days=90)
    both.product_groups.add(group)
    both.customer_groups.add(vip)
    lines = [{"product": product, "description": "Saw", "quantity": D("1"),
              "unit_price": D("100"), "tax_rate": D("15")}]

    plain = delivered_order(firm, lines=lines)
    terms = check(firm, plain, "1")[0].terms
    assert (terms.policy, terms.window_days, terms.fee_percent) == (by_group, 60, D("20"))
    vip_order = delivered_order(firm, lines=lines,
                                customer=make_customer(firm, customer_group=vip))
    assert check(firm, vip_order, "1")[0].terms.policy == both
    other = delivered_order(firm)
    assert check(firm, other, "1")[0].terms.window_days == 14


def test_non_returnable_group_is_refused(firm):
    group = make_group(firm)
    policy = ReturnPolicy.objects.create(firm=firm, name="House", is_default=True)
    policy.non_returnable_groups.add(group)
    order = delivered_order(firm, lines=[{"product": make_product(firm, group=group),
                                          "description": "Food", "quantity": D("1"),
                                          "unit_price": D("10"), "tax_rate": D("15")}])
    with pytest.raises(Ineligible) as refused:
        check(firm, order, "1")
    assert refused.value.checks[0].problems[0]["code"] == "non_returnable"


def test_returned_quantity_never_exceeds_delivered(firm):
    from sales.orders.services import QuantityExceedsRemaining, order_lines_count

    order = confirmed_order(firm, lines=[ONE_AT_100])
    set_quantities(order, delivered=["1"])
    line = lines_of(order)[0]
    with pytest.raises(QuantityExceedsRemaining) as refused:
        order_lines_count(order=order, field="returned_quantity", quantities={line.pk: D("2")},
                          sign=1, actor=None)
    assert refused.value.details == {
        f"lines.order_line_{line.pk}.quantity": ["At most 1 can still be returned."]}
    order_lines_count(order=order, field="returned_quantity", quantities={line.pk: D("1")},
                      sign=1, actor=None)
    line.refresh_from_db()
    assert line.returned_quantity == D("1")
