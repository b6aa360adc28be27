"""Usage counters under racing orders and releases (business-rules §10)."""

import pytest

from pricing.models import PricingRuleUsage
from pricing.services import pricing_rule_usage_release
from tests.concurrency import race
from tests.crm.factories import make_customer
from tests.factories import FirmFactory
from tests.pricing.factories import make_rule
from tests.pricing.helpers import count_of, record


@pytest.mark.django_db(transaction=True)
def test_twenty_orders_race_for_five_uses():
    firm = FirmFactory(slug="usage-race")
    rule = make_rule(firm, usage_limit=5)
    _results, errors = race(20, lambda n: record(firm, None, n, rule), atomic=True)
    assert count_of(rule) == 5
    assert PricingRuleUsage.objects.filter(rule=rule).count() == 5
    assert len(errors) == 15
    assert {getattr(error, "code", repr(error)) for error in errors} == {"usage_limit_reached"}


@pytest.mark.django_db(transaction=True)
def test_one_use_per_customer_under_ten_threads():
    firm = FirmFactory(slug="customer-race")
    customer = make_customer(firm)
    rule = make_rule(firm, usage_limit_per_customer=1)
    _results, errors = race(10, lambda n: record(firm, customer, n, rule), atomic=True)
    assert PricingRuleUsage.objects.filter(rule=rule, customer=customer).count() == 1
    assert count_of(rule) == 1
    assert len(errors) == 9


@pytest.mark.django_db(transaction=True)
def test_concurrent_release_counts_down_once():
    firm = FirmFactory(slug="release-race")
    rule = make_rule(firm)
    record(firm, None, 1, rule)
    record(firm, None, 2, rule)
    _results, errors = race(8, lambda n: pricing_rule_usage_release(
        firm=firm, source_type="sales_order", source_id=1), atomic=True)
    assert not errors
    assert count_of(rule) == 1
