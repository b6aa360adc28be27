"""core.registry: apps register once from ready(); readers get read-only views."""

import pytest

from core import registry
from crm.choices import ActivityEntity
from crm.models import Case, Customer, Lead
from sales.quotes.models import Quote


def test_activity_entities_are_registered_by_the_apps():
    assert dict(registry.activity_entities()) == {
        ActivityEntity.LEAD: Lead, ActivityEntity.CUSTOMER: Customer,
        ActivityEntity.CASE: Case, ActivityEntity.QUOTE: Quote}


def test_registering_again_changes_nothing_and_another_model_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "_activity_entities", {})
    registry.activity_entity_register(name="lead", model=Lead)
    registry.activity_entity_register(name="lead", model=Lead)
    assert dict(registry.activity_entities()) == {"lead": Lead}
    with pytest.raises(ValueError, match="already Lead"):
        registry.activity_entity_register(name="lead", model=Customer)


def test_readers_cannot_change_the_registries(monkeypatch):
    monkeypatch.setattr(registry, "_order_open_delivery_checks", [])
    with pytest.raises(TypeError):
        registry.activity_entities()["x"] = Lead  # type: ignore[index]

    def check(order) -> bool:
        return True

    registry.order_open_delivery_check_register(check=check)
    registry.order_open_delivery_check_register(check=check)
    assert registry.order_open_delivery_checks() == (check,)
