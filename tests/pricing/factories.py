"""Factories for pricing rows. Each takes the firm first and keyword overrides of the model
fields (snake_case; model instances for foreign keys; lists of instances or ids for the
many-to-many fields). Other apps' tests import these too: keep the names stable.
"""

import itertools
from decimal import Decimal

from core.models import Firm, User
from core.services import save_audited
from pricing.models import (
    Brand,
    PriceList,
    PriceListItem,
    PricingRule,
    Product,
    ProductGroup,
)

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def _split_m2m(model, fields: dict) -> tuple[dict, dict]:
    names = {field.name for field in model._meta.many_to_many}
    return ({k: v for k, v in fields.items() if k not in names},
            {k: v for k, v in fields.items() if k in names})


def _save(instance, m2m: dict, actor: User | None):
    save_audited(instance, actor=actor, reason="created")
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    return instance


def make_brand(firm: Firm, *, actor: User | None = None, **kw) -> Brand:
    n = _n()
    fields = {"code": f"B{n}", "name": f"Brand {n}", "name_ar": f"علامة {n}", **kw}
    return _save(Brand(firm=firm, **fields), {}, actor)


def make_group(firm: Firm, *, actor: User | None = None, **kw) -> ProductGroup:
    n = _n()
    fields = {"code": f"G{n}", "name": f"Product group {n}", "name_ar": f"فئة {n}", **kw}
    return _save(ProductGroup(firm=firm, **fields), {}, actor)


def make_product(firm: Firm, *, actor: User | None = None, **kw) -> Product:
    n = _n()
    fields = {"code": f"P{n:05d}", "name": f"Product {n}", "name_ar": f"منتج {n}",
              "standard_price": Decimal("100"), "cost_price": Decimal("60"),
              "tax_rate": Decimal("15"), **kw}
    return _save(Product(firm=firm, **fields), {}, actor)


def make_price_list(firm: Firm, *, actor: User | None = None, **kw) -> PriceList:
    """A selling list; `customers`, `customer_groups`, `territories` restrict it."""
    n = _n()
    plain, m2m = _split_m2m(PriceList, kw)
    fields = {"code": f"PL{n}", "name": f"Price list {n}", "name_ar": f"قائمة {n}",
              "rounding_method": "none", **plain}
    return _save(PriceList(firm=firm, **fields), m2m, actor)


def make_item(price_list: PriceList, product: Product, price="100", *,
              actor: User | None = None, **kw) -> PriceListItem:
    fields = {"price": Decimal(str(price)), **kw}
    return _save(PriceListItem(firm_id=price_list.firm_id, price_list=price_list,
                               product=product, **fields), {}, actor)


def make_rule(firm: Firm, *, actor: User | None = None, **kw) -> PricingRule:
    """A 10 % discount on all items unless overridden; M2M fields take lists."""
    n = _n()
    plain, m2m = _split_m2m(PricingRule, kw)
    fields = {"code": f"R{n}", "name": f"Rule {n}", "name_ar": f"قاعدة {n}",
              "discount_value": Decimal("10"), **plain}
    for key in ("discount_value", "max_discount_amount", "min_quantity", "max_quantity",
                "min_amount", "max_amount", "buy_quantity", "reward_quantity",
                "reward_discount"):
        if fields.get(key) is not None:
            fields[key] = Decimal(str(fields[key]))
    return _save(PricingRule(firm=firm, **fields), m2m, actor)
