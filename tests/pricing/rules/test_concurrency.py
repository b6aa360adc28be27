"""Usage counters under racing orders and releases (business-rules §10)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from pricing.models import PricingRule, PricingRuleUsage
from pricing.services import (
    pricing_rule_usage_record,
    pricing_rule_usage_release,
)
from tests.crm.factories import make_customer
from tests.factories import FirmFactory
from tests.pricing.factories import make_rule


def record(firm, customer, source_id, *rules, amount="10"):
    return pricing_rule_usage_record(firm=firm, customer=customer, source_type="sales_order",
                                     source_id=source_id,
                                     uses=[(rule.pk, Decimal(amount)) for rule in rules])


def count_of(rule) -> int:
    return PricingRule.objects.get(pk=rule.pk).usage_count


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
