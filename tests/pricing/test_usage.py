"""Usage counters (business-rules §10): up on confirmation, down on cancellation, limits under
concurrency; promotion code checks."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.errors import ApplicationError
from pricing.models import PricingRule, PricingRuleUsage
from pricing.services import (
    pricing_rule_usage_record,
    pricing_rule_usage_release,
    promo_validate,
)
from tests.crm.factories import make_customer, make_customer_group
from tests.factories import FirmFactory
from tests.pricing.conftest import TODAY
from tests.pricing.factories import make_rule

DAY = datetime.timedelta(days=1)


def record(firm, customer, source_id, *rules, amount="10"):
    return pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                     source_id=source_id,
                                     uses=[(rule.pk, Decimal(amount)) for rule in rules])


def count_of(rule) -> int:
    return PricingRule.objects.get(pk=rule.pk).usage_count


@pytest.mark.django_db
class TestRecordAndRelease:
    def test_record_counts_once_per_document(self, firm):
        customer = make_customer(firm)
        first, second = make_rule(firm), make_rule(firm)
        usages = record(firm, customer, 1, first, second, amount="12.345")
        assert [usage.discount_amount for usage in usages] == [Decimal("12.35")] * 2
        record(firm, customer, 1, first, second)
        assert (count_of(first), count_of(second)) == (1, 1)
        assert PricingRuleUsage.objects.count() == 2
        record(firm, customer, 2, first)
        assert count_of(first) == 2

    def test_uses_of_one_rule_add_up(self, firm):
        rule = make_rule(firm)
        [usage] = pricing_rule_usage_record(
            firm=firm, customer=None, source_type="quote", source_id=5,
            uses=[(rule.pk, Decimal("3")), (rule.pk, Decimal("4.5"))])
        assert (usage.discount_amount, count_of(rule)) == (Decimal("7.50"), 1)

    def test_release_counts_down_once(self, firm):
        customer = make_customer(firm)
        rule = make_rule(firm)
        record(firm, customer, 1, rule)
        record(firm, customer, 2, rule)
        released = pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        assert len(released) == 1 and released[0].released_at is not None
        assert pricing_rule_usage_release(firm=firm, source_type="sales_order",
                                          source_id=1) == []
        assert count_of(rule) == 1

    def test_never_below_zero(self, firm):
        rule = make_rule(firm)
        record(firm, None, 1, rule)
        PricingRule.objects.filter(pk=rule.pk).update(usage_count=0)  # drifted by hand
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        assert count_of(rule) == 0

    def test_released_use_can_be_taken_again(self, firm):
        rule = make_rule(firm)
        record(firm, None, 1, rule)
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        record(firm, None, 1, rule, amount="4")
        usage = PricingRuleUsage.objects.get()
        assert (usage.released_at, usage.discount_amount, count_of(rule)) == (
            None, Decimal("4.00"), 1)

    def test_total_limit_refuses_and_records_nothing(self, firm):
        limited, free = make_rule(firm, code="LIMITED", usage_limit=1), make_rule(firm)
        record(firm, None, 1, limited)
        with pytest.raises(ApplicationError) as error:
            record(firm, None, 2, free, limited)
        assert (error.value.code, error.value.status_code) == ("usage_limit_reached", 409)
        assert "LIMITED" in str(error.value.message)
        assert error.value.details["limit"] == "total"
        assert (count_of(limited), count_of(free)) == (1, 0)
        assert PricingRuleUsage.objects.filter(source_id=2).count() == 0

    def test_per_customer_limit(self, firm):
        customer, other = make_customer(firm), make_customer(firm)
        rule = make_rule(firm, code="ONCE", usage_limit_per_customer=1)
        record(firm, customer, 1, rule)
        with pytest.raises(ApplicationError) as error:
            record(firm, customer, 2, rule)
        assert error.value.details == {"rule_id": rule.pk, "rule_code": "ONCE",
                                       "limit": "per_customer", "usage_limit": 1}
        record(firm, other, 3, rule)
        pricing_rule_usage_release(firm=firm, source_type="sales_order", source_id=1)
        record(firm, customer, 4, rule)
        assert count_of(rule) == 2

    def test_another_firms_rule_is_not_found(self, firm, other_firm):
        with pytest.raises(ApplicationError) as error:
            record(firm, None, 1, make_rule(other_firm))
        assert error.value.status_code == 404


def _race(threads: int, work) -> list[BaseException]:
    """Run `work(n)` in `threads` threads started together; the errors they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                work(n)
        except BaseException as error:  # collected: a thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_twenty_orders_race_for_five_uses():
    firm = FirmFactory(slug="usage-race")
    rule = make_rule(firm, usage_limit=5)
    errors = _race(20, lambda n: record(firm, None, n, rule))
    assert count_of(rule) == 5
    assert PricingRuleUsage.objects.filter(rule=rule).count() == 5
    assert len(errors) == 15
    assert {getattr(error, "code", repr(error)) for error in errors} == {"usage_limit_reached"}


@pytest.mark.django_db(transaction=True)
def test_one_use_per_customer_under_ten_threads():
    firm = FirmFactory(slug="customer-race")
    customer = make_customer(firm)
    rule = make_rule(firm, usage_limit_per_customer=1)
    errors = _race(10, lambda n: record(firm, customer, n, rule))
    assert PricingRuleUsage.objects.filter(rule=rule, customer=customer).count() == 1
    assert count_of(rule) == 1
    assert len(errors) == 9


@pytest.mark.django_db(transaction=True)
def test_concurrent_release_counts_down_once():
    firm = FirmFactory(slug="release-race")
    rule = make_rule(firm)
    record(firm, None, 1, rule)
    record(firm, None, 2, rule)
    errors = _race(8, lambda n: pricing_rule_usage_release(
        firm=firm, source_type="sales_order", source_id=1))
    assert not errors
    assert count_of(rule) == 1


@pytest.mark.django_db
class TestPromoValidate:
    def check(self, firm, code, customer=None, date=TODAY):
        return promo_validate(firm=firm, code=code, customer=customer, date=date)

    def test_valid(self, firm):
        rule = make_rule(firm, code="R", name="Eid", promotion_code="EID26",
                         requires_promo_code=True)
        result = self.check(firm, " eid26 ")
        assert (result["valid"], result["reason"], result["code"]) == (True, "valid", "eid26")
        assert result["message"] == "The promotion code is valid."
        assert [entry["id"] for entry in result["rules"]] == [rule.pk]

    @pytest.mark.parametrize(("fields", "reason"), [
        ({"is_active": False}, "inactive"),
        ({"valid_from": TODAY + DAY}, "not_yet_valid"),
        ({"valid_to": TODAY - DAY}, "expired"),
        ({"usage_limit": 2}, "usage_limit_reached"),
    ])
    def test_invalid(self, firm, fields, reason):
        rule = make_rule(firm, promotion_code="EID26", **fields)
        if reason == "usage_limit_reached":
            PricingRule.objects.filter(pk=rule.pk).update(usage_count=2)
        result = self.check(firm, "EID26")
        assert (result["valid"], result["reason"], result["rules"]) == (False, reason, [])
        assert result["message"] and result["message_ar"]

    def test_unknown(self, firm, other_firm):
        make_rule(other_firm, promotion_code="EID26")
        assert self.check(firm, "EID26")["reason"] == "unknown"
        assert self.check(firm, "")["reason"] == "unknown"

    def test_customer_limit_and_not_for_customer(self, firm):
        customer = make_customer(firm)
        rule = make_rule(firm, promotion_code="ONCE", usage_limit_per_customer=1)
        record(firm, customer, 1, rule)
        assert self.check(firm, "ONCE", customer)["reason"] == "customer_limit_reached"
        assert self.check(firm, "ONCE", make_customer(firm))["valid"] is True
        make_rule(firm, promotion_code="VIP", applicable_customer_groups=[
            make_customer_group(firm)])
        assert self.check(firm, "VIP", customer)["reason"] == "not_for_customer"
        make_rule(firm, promotion_code="NOTYOU", exclude_customers=[customer])
        assert self.check(firm, "NOTYOU", customer)["reason"] == "not_for_customer"

    def test_reason_of_the_rule_that_came_furthest(self, firm):
        make_rule(firm, promotion_code="TWO", is_active=False)
        make_rule(firm, promotion_code="TWO", valid_to=TODAY - DAY)
        assert self.check(firm, "TWO")["reason"] == "expired"
        make_rule(firm, promotion_code="TWO")
        assert self.check(firm, "TWO")["valid"] is True
