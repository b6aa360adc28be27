"""Case services and who reaches which cases (crm.querysets)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import scope_for
from core.services import firm_today
from crm import services
from crm.models import (
    Case,
    Customer,
)
from tests.crm.factories import (
    SELLER_CASES,
    make_customer,
)


def customer(firm, **fields) -> Customer:
    return services.customer_create(firm=firm, actor=None, **{"name": "Najd Logistics",
                                                               **fields})


@pytest.mark.django_db
class TestCases:
    def test_numbered_per_year_and_firm(self, firm, other_firm):
        year = firm_today(firm=firm).year
        first = services.case_create(firm=firm, actor=None, title="A")
        second = services.case_create(firm=firm, actor=None, title="B")
        theirs = services.case_create(firm=other_firm, actor=None, title="C")
        assert [first.number, second.number, theirs.number] == [
            f"CASE-{year}-0001", f"CASE-{year}-0002", f"CASE-{year}-0001"]
        services.case_update(case=first, actor=None, title="A2")
        assert Case.objects.get(pk=first.pk).number == f"CASE-{year}-0001"

    def test_parties_cleaned_and_searchable(self, firm):
        case = services.case_create(firm=firm, actor=None, title="Dispute", parties=[
            {"name": "  Najd Logistics ", "role": " defendant "}, {"name": "Riyadh Builders"}],
            related_entities=[" Najd Holding ", ""])
        assert case.parties == [{"name": "Najd Logistics", "role": "defendant"},
                                {"name": "Riyadh Builders", "role": ""}]
        assert case.related_entities == ["Najd Holding"]
        assert case.search_text == "Najd Logistics\nRiyadh Builders\nNajd Holding"

    @pytest.mark.parametrize(("field", "value"), [
        ("parties", "Najd"), ("parties", [{"role": "defendant"}]), ("parties", [{"name": " "}]),
        ("parties", ["Najd"]), ("related_entities", "Najd"), ("related_entities", [1]),
    ])
    def test_invalid_parties(self, firm, field, value):
        with pytest.raises(ValidationError) as refused:
            services.case_create(firm=firm, actor=None, title="X", **{field: value})
        assert set(refused.value.message_dict) == {field}
        assert not Case.objects.exists()
        case = services.case_create(firm=firm, actor=None, title="Y")
        with pytest.raises(ValidationError):
            services.case_update(case=case, actor=None, **{field: value})
        assert Case.objects.get(pk=case.pk).parties == []

    def test_another_firms_customer_is_refused(self, firm, other_firm):
        with pytest.raises(ValidationError) as refused:
            services.case_create(firm=firm, actor=None, title="X",
                                 customer=make_customer(other_firm))
        assert set(refused.value.message_dict) == {"customer"}
        assert not Case.objects.filter(firm=firm).exists()


@pytest.mark.django_db
class TestCaseScope:

    def test_the_scope_is_one_query(self, world):
        with CaptureQueriesContext(connection) as queries:
            rows = list(scope_for(Case.objects.all(), user=world["seller"]))
        assert len(rows) == len(SELLER_CASES) and len(queries) == 1
