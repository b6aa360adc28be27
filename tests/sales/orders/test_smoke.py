from decimal import Decimal

import pytest

from sales.choices import SalesOrderStatus
from sales.services import orders as services

from .factories import make_order


@pytest.mark.django_db
def test_create_and_confirm(firm, admin_user):
    order = make_order(firm, actor=admin_user)
    assert order.number.startswith("SO-")
    assert order.total == Decimal("2408.00")
    order = services.order_confirm(order=order, actor=admin_user)
    assert order.status == SalesOrderStatus.CONFIRMED
