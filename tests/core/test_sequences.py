import datetime

import pytest
from django.db import transaction

from core import services
from core.choices import DocumentType
from core.models import Sequence
from tests.concurrency import race
from tests.factories import FirmFactory

NOV = datetime.date(2026, 11, 20)


def next_number(firm, document_type=DocumentType.ORDER, date=NOV):
    return services.sequence_next(firm=firm, document_type=document_type, date=date)


@pytest.mark.django_db
class TestNumbering:
    def test_defaults_of_every_document_type(self, firm):
        expected = {"quote": "QT-2026-0001", "order": "SO-2026-0001", "delivery": "DN-2026-0001",
                    "return": "RMA-2026-0001", "invoice": "INV-2026-0001",
                    "credit_note": "CN-2026-0001", "down_payment": "DP-2026-0001",
                    "settlement": "CS-2026-0001"}
        assert {doc: next_number(firm, doc) for doc in expected} == expected

    def test_counts_up_and_pads(self, firm):
        numbers = [next_number(firm) for _ in range(12)]
        assert numbers[0] == "SO-2026-0001"
        assert numbers[-1] == "SO-2026-0012"

    def test_yearly_reset(self, firm):
        next_number(firm, date=datetime.date(2026, 12, 31))
        next_number(firm, date=datetime.date(2026, 12, 31))
        assert next_number(firm, date=datetime.date(2027, 1, 1)) == "SO-2027-0001"
        assert next_number(firm, date=datetime.date(2026, 12, 31)) == "SO-2026-0003"

    def test_monthly_with_month_suffix_and_padding(self, firm):
        services.settings_update(firm=firm, actor=None, changes={"sequences": {"invoice": {
            "prefix": "F/", "suffix": "/R", "padding": 6, "reset_period": "monthly",
            "include_month": True}}})
        assert next_number(firm, "invoice") == "F/2026-11-000001/R"
        assert next_number(firm, "invoice", datetime.date(2026, 12, 1)) == "F/2026-12-000001/R"

    def test_never_reset_without_year(self, firm):
        services.settings_update(firm=firm, actor=None, changes={"sequences": {"quote": {
            "reset_period": "never", "include_year": False, "padding": 3}}})
        assert next_number(firm, "quote", datetime.date(2026, 1, 1)) == "QT-001"
        assert next_number(firm, "quote", datetime.date(2031, 1, 1)) == "QT-002"

    def test_firms_have_their_own_counters(self, firm, other_firm):
        assert next_number(firm) == next_number(other_firm) == "SO-2026-0001"

    def test_rolled_back_document_gives_its_number_back(self, firm):
        next_number(firm)
        with pytest.raises(RuntimeError), transaction.atomic():
            assert next_number(firm) == "SO-2026-0002"
            raise RuntimeError("the document failed to save")
        assert next_number(firm) == "SO-2026-0002"

    def test_current_numbers_in_settings_payload(self, firm):
        next_number(firm, date=services.firm_today(firm=firm))
        sequences = services.settings_payload(firm=firm)["sequences"]
        assert sequences["order"]["current_number"] == 1
        assert sequences["quote"]["current_number"] == 0


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_take_twenty_distinct_consecutive_numbers():
    firm = FirmFactory(slug="concurrent")
    services.settings_row(firm=firm)
    numbers, errors = race(20, lambda _index: next_number(firm), atomic=True)
    assert not errors
    assert sorted(numbers) == [f"SO-2026-{n:04d}" for n in range(1, 21)]
    assert Sequence.objects.get(firm=firm, document_type="order").last_number == 20
