"""Extension points one app offers and apps to its right fill (crm never imports sales).

Apps register from their AppConfig.ready(), so every registration is in place before the
first request or task reads it. Registering the same thing again changes nothing (ready()
may run twice in tests); readers get read-only views, so only the functions here add to
the registries.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from django.db import models

# What an activity may be about (crm.choices.ActivityEntity value -> model): crm registers
# its leads, customers and cases, sales its quotes. An unregistered kind is refused.
_activity_entities: dict[str, type[models.Model]] = {}

# Whether a sales order has an open delivery note (business-rules §6: a confirmed order with
# one is in progress). Sales cannot import the app that delivers (architecture §4): that app
# registers its check here.
OrderOpenDeliveryCheck = Callable[[Any], bool]
_order_open_delivery_checks: list[OrderOpenDeliveryCheck] = []

# What open delivery notes have planned of each order line ({order line id: quantity}): a
# short-close may close only what no open note is about to deliver.
OrderLinesReserved = Callable[[Any], dict[int, Any]]
_order_lines_reserved: list[OrderLinesReserved] = []

# The open documents that stop a sales order from being cancelled (a draft invoice would
# otherwise be posted against a cancelled order): each app that drafts documents from an
# order registers a function answering them as `[{"type": "invoice", "id": 7}]`.
OrderOpenDocuments = Callable[[Any], list[dict]]
_order_open_documents: list[OrderOpenDocuments] = []


def activity_entity_register(*, name: str, model: type[models.Model]) -> None:
    """Let activities be about `model` records, under the entity type `name`."""
    known = _activity_entities.get(name)
    if known is not None and known is not model:
        raise ValueError(f"Activity entity {name!r} is already {known.__name__}.")
    _activity_entities[str(name)] = model


def activity_entities() -> Mapping[str, type[models.Model]]:
    """Every registered activity entity type and its model (a read-only, live view)."""
    return MappingProxyType(_activity_entities)


def order_open_delivery_check_register(*, check: OrderOpenDeliveryCheck) -> None:
    """Ask `check(order)` whether a sales order has an open delivery note."""
    if check not in _order_open_delivery_checks:
        _order_open_delivery_checks.append(check)


def order_open_delivery_checks() -> tuple[OrderOpenDeliveryCheck, ...]:
    """The registered open-delivery checks, in registration order."""
    return tuple(_order_open_delivery_checks)


def order_open_documents_register(*, check: OrderOpenDocuments) -> None:
    """Ask `check(order)` which open documents of this kind the sales order has."""
    if check not in _order_open_documents:
        _order_open_documents.append(check)


def order_open_documents(order: Any) -> list[dict]:
    """Every registered kind's open documents of the order, in registration order."""
    return [document for check in _order_open_documents for document in check(order)]


def order_lines_reserved_register(*, check: OrderLinesReserved) -> None:
    """Ask `check(order)` what open delivery documents have planned of the order's lines."""
    if check not in _order_lines_reserved:
        _order_lines_reserved.append(check)


def order_lines_reserved(order: Any) -> dict[int, Any]:
    """Order line id → the quantity open delivery documents of every registered kind plan."""
    reserved: dict[int, Any] = {}
    for check in _order_lines_reserved:
        for line_id, quantity in check(order).items():
            reserved[line_id] = reserved.get(line_id, 0) + quantity
    return reserved


# What apps to the right of sales show on a sales order's page (its delivery notes): each
# registered function answers, for the order and the user looking at it, a section the order's
# template draws — `tab` and `label` (a tab of the page), `count`, `template` (the tab's pane,
# included with `section`), `links` (`[{"kind", "label", "url"}]` for the linked documents) and
# `buttons` (`[{"label", "url", "icon", "testid"}]` for the page header) — or None to add
# nothing. Sales never imports those apps (architecture §4).
OrderPageSection = Callable[[Any, Any], dict | None]
_order_page_sections: list[OrderPageSection] = []


def order_page_section_register(*, section: OrderPageSection) -> None:
    """Show `section(order, user)` on sales orders' pages."""
    if section not in _order_page_sections:
        _order_page_sections.append(section)


def order_page_sections(order: Any, user: Any) -> list[dict]:
    """The sections registered apps show on this order's page for this user."""
    return [shown for section in _order_page_sections
            if (shown := section(order, user)) is not None]
