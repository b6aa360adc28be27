"""The price resolver (business-rules §10): list price, then pricing rules, for a whole cart.

Everything the cart needs is read up front in a fixed number of queries (settings, price
lists with their restrictions, active rules with their relations, products, product groups,
list items, per-customer usage), whatever the number of lines or rules; matching then runs in
memory. Interpretation decisions are in docs/decisions.md ("Pricing resolver").
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Value
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import Firm
from core.money import round_money, round_rate, to_decimal
from crm.models import Campaign, Customer, CustomerGroup, Territory

from ..choices import ApplyOn, DiscountType, PriceListType, RewardType, RoundingMethod, RuleType
from ..choices import SkipReason as Skip
from ..conditions import conditions_match
from ..models import (
    PriceList,
    PriceListItem,
    PricingRule,
    PricingRuleUsage,
    Product,
    ProductGroup,
    validity_q,
)

HUNDRED = Decimal("100")
# A line stores its trace (quotes, orders), and staff read it: with a thousand rules in scope
# the full list of misses would be hundreds of entries per line and tell nobody anything.
TRACE_SKIPPED_MAX = 20
# Rules that met every condition and lost the competition say most about a price.
COMPETITION_SKIPS = {Skip.LESS_SPECIFIC, Skip.NOT_STACKABLE, Skip.LOWER_PRIORITY,
                     Skip.TIE_LOST}
ZERO = Decimal("0")
# The order in which scope levels compete: only the first level with a candidate does.
LEVELS = [ApplyOn.ITEM_CODE, ApplyOn.ITEM_GROUP, ApplyOn.BRAND, ApplyOn.ALL_ITEMS]
SELLING_TYPES = {PriceListType.SELLING, PriceListType.BOTH}
ROUNDINGS = {RoundingMethod.UP: ROUND_CEILING, RoundingMethod.DOWN: ROUND_FLOOR,
             RoundingMethod.NEAREST: ROUND_HALF_UP}


# --- result types -------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """JSON-safe copy: Decimals become numbers, dates ISO strings, dataclasses dicts."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple(
        ).exponent >= 0 else float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if is_dataclass(value):
        return value.as_dict()
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if isinstance(value, Promise):
        return str(value)
    return value


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """snake_case keys, JSON-safe values (the API renderer camelCases them)."""
        return {item.name: _json(getattr(self, item.name)) for item in fields(self)}


@dataclass(frozen=True)
class CartItem(_AsDict):
    product_id: int
    quantity: Decimal


@dataclass
class ListStep(_AsDict):
    """One step of the list part of a price: where the price came from, what changed it.

    step: item_price, inherited (from the based-on list), markup, discount, rounding,
    item_discount, standard_price. `price` is the unit price after the step (unrounded).
    """

    step: str
    price: Decimal
    price_list_id: int | None = None
    price_list_code: str = ""
    value: Any = None


@dataclass
class AppliedRule(_AsDict):
    id: int
    code: str
    name: str
    name_ar: str
    type: str
    discount_type: str
    discount_value: Decimal
    compound: bool
    # Taken off the line (negative when a markup raised it), money-rounded.
    amount: Decimal
    text: str
    text_ar: str
    promotion_code: str = ""


@dataclass
class SkippedRule(_AsDict):
    id: int
    code: str
    name: str
    name_ar: str
    reason: str
    message: str
    message_ar: str


@dataclass
class PricedLine(_AsDict):
    product_id: int
    product_code: str
    product_name: str
    product_name_ar: str
    quantity: Decimal
    base_price: Decimal
    price_list: dict | None
    quantity_break: dict | None
    list_steps: list[ListStep]
    gross: Decimal
    discount_amount: Decimal
    net: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    applied_rules: list[AppliedRule] = field(default_factory=list)
    skipped_rules: list[SkippedRule] = field(default_factory=list)
    # How many rules were skipped in all; the trace keeps the TRACE_SKIPPED_MAX most telling.
    skipped_rules_total: int = 0
    is_reward: bool = False
    reward_rule_id: int | None = None

    @property
    def applied_rule_ids(self) -> list[int]:
        return [rule.id for rule in self.applied_rules]

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "applied_rule_ids": self.applied_rule_ids}


@dataclass
class PriceResult(_AsDict):
    date: datetime.date
    currency: str
    customer_id: int | None
    lines: list[PricedLine]
    reward_lines: list[PricedLine]
    gross: Decimal
    discount: Decimal
    net: Decimal
    promo_code: str
    # A rule with this promotion code exists (and is active and valid on the date) /
    # such a rule was applied to a line.
    promo_code_matched: bool
    promo_code_applied: bool

    @property
    def applied_rule_ids(self) -> list[int]:
        """The ids of every rule applied somewhere in the cart, reward lines included, in
        ascending order (each line names its own in `lines[i].applied_rule_ids`)."""
        return sorted({rule_id for line in [*self.lines, *self.reward_lines]
                       for rule_id in line.applied_rule_ids})

    def rule_uses(self) -> list[tuple[int, Decimal]]:
        """(rule id, discount given over the whole cart), what usage recording takes.

        A reward line's amount counts for its rule; markups count as no discount.
        """
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for line in [*self.lines, *self.reward_lines]:
            for rule in line.applied_rules:
                totals[rule.id] += max(rule.amount, ZERO)
        return sorted(totals.items())

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "applied_rule_ids": self.applied_rule_ids,
                "totals": {"gross": _json(self.gross), "discount": _json(self.discount),
                           "net": _json(self.net)}}


# --- loading ------------------------------------------------------------------------------


def _through(model, name: str):
    """(through model, column of the owner's id, column of the related id) of an M2M."""
    relation = model._meta.get_field(name)
    return (relation.remote_field.through, f"{relation.m2m_field_name()}_id",
            f"{relation.m2m_reverse_field_name()}_id")


def _has_and_matches(model, name: str, value_id: int | None, prefix: str) -> dict:
    """Annotations `<prefix>_any` (the set is not empty) and `<prefix>_ok` (it holds value)."""
    through, owner, target = _through(model, name)
    rows = through.objects.filter(**{owner: OuterRef("pk")})
    return {f"{prefix}_any": Exists(rows),
            f"{prefix}_ok": Exists(rows.filter(**{target: value_id})) if value_id
            else Value(False)}


def _load_price_lists(firm: Firm, *, customer_id, group_id, territory_id) -> dict[int, PriceList]:
    """Every list of the firm (inheritance may go through any of them) with restriction flags."""
    queryset = PriceList.objects.filter(firm=firm).annotate(
        **_has_and_matches(PriceList, "customers", customer_id, "r_customer"),
        **_has_and_matches(PriceList, "customer_groups", group_id, "r_group"),
        **_has_and_matches(PriceList, "territories", territory_id, "r_territory"),
    )
    return {price_list.pk: price_list for price_list in queryset}


def _list_usable(price_list: PriceList, date: datetime.date) -> bool:
    return (price_list.is_active and price_list.type in SELLING_TYPES
            and (price_list.valid_from is None or price_list.valid_from <= date)
            and (price_list.valid_to is None or price_list.valid_to >= date))


def _restriction_rank(price_list: PriceList) -> int | None:
    """0 customer, 1 customer group, 2 territory, 3 unrestricted; None when it does not match.

    Every restriction the list has must hold (like a rule's applicable_* sets); the most
    specific one it has gives its rank.
    """
    kinds = [(price_list.r_customer_any, price_list.r_customer_ok),
             (price_list.r_group_any, price_list.r_group_ok),
             (price_list.r_territory_any, price_list.r_territory_ok)]
    if any(has and not ok for has, ok in kinds):
        return None
    return next((rank for rank, (has, _ok) in enumerate(kinds) if has), 3)


def _candidate_lists(lists: dict[int, PriceList], *, date: datetime.date,
                     explicit_id: int | None, customer_default_id: int | None,
                     settings_default_id: int | None) -> list[PriceList]:
    """The lists to try, in order (business-rules §10); an explicit list is tried alone."""
    if explicit_id is not None:
        return [lists[explicit_id]]
    ordered: list[PriceList] = []
    customer_default = lists.get(customer_default_id)
    if customer_default is not None and _list_usable(customer_default, date):
        ordered.append(customer_default)
    matching = []
    for price_list in lists.values():
        rank = _restriction_rank(price_list) if _list_usable(price_list, date) else None
        if rank is not None:
            matching.append((rank, -price_list.priority, price_list.pk, price_list))
    ordered.extend(entry[-1] for entry in sorted(matching, key=lambda entry: entry[:3]))
    default = lists.get(settings_default_id)
    if default is None or not _list_usable(default, date):
        default = next((pl for pl in lists.values() if pl.is_default and _list_usable(pl, date)),
                       None)
    if default is not None:
        ordered.append(default)
    seen: set[int] = set()
    return [pl for pl in ordered if not (pl.pk in seen or seen.add(pl.pk))]


def _chain_ids(lists: dict[int, PriceList], start: list[PriceList]) -> set[int]:
    """The lists and every list they are based on, directly or not."""
    ids: set[int] = set()
    for price_list in start:
        node = price_list
        while node is not None and node.pk not in ids:
            ids.add(node.pk)
            node = lists.get(node.based_on_id)
    return ids


def _settings_default_list_id(firm: Firm) -> int | None:
    from core.services import settings_section

    return settings_section(firm=firm, section="pricing").get("default_price_list_id")


def _as_id(value: Any, model, name: str, firm: Firm) -> int | None:
    """An id from an instance or an id; instances of another firm are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        if value.firm_id != firm.pk:
            raise ValidationError({name: _("Not found.")})
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({name: _("Enter an id.")}) from error


def _normalise_items(items: list) -> list[CartItem]:
    if not isinstance(items, (list, tuple)):
        raise ValidationError({"items": _("Expected a list of items.")})
    cart, errors = [], {}
    for index, item in enumerate(items):
        if isinstance(item, CartItem):
            product_id, quantity = item.product_id, item.quantity
        elif isinstance(item, dict):
            product_id = item.get("product_id", item.get("productId", item.get("product")))
            quantity = item.get("quantity", 1)
        else:
            errors[f"items.{index}"] = _("Expected an object with productId and quantity.")
            continue
        if isinstance(product_id, Product):
            product_id = product_id.pk
        try:
            product_id = int(product_id)
        except (TypeError, ValueError):
            errors[f"items.{index}.product_id"] = _("Enter a product id.")
        try:
            quantity = to_decimal(quantity)
            if not quantity.is_finite() or quantity <= 0:
                raise ValueError
        except (InvalidOperation, ValueError, TypeError):
            errors[f"items.{index}.quantity"] = _("Enter a quantity above zero.")
            continue
        if f"items.{index}.product_id" not in errors:
            cart.append(CartItem(product_id=product_id, quantity=quantity))
    if errors:
        raise ValidationError(errors)
    return cart


@dataclass
class _Context:
    """What one resolve call knows about the cart's circumstances, shared by every line."""

    firm: Firm
    date: datetime.date
    customer_id: int | None
    group_id: int | None
    territory_id: int | None
    campaign_id: int | None
    promo: str
    lists: dict[int, PriceList]
    candidates: list[PriceList]
    explicit: bool
    items: dict[tuple[int, int], list[PriceListItem]]
    products: dict[int, Product]
    group_parent: dict[int, int | None]
    # rule relations, each rule id -> set of related ids (only the rows that matter here)
    exclude_products: dict[int, set[int]]
    exclude_groups: dict[int, set[int]]
    applicable_lists: dict[int, set[int]]
    customer_uses: dict[int, int]
    by_level: dict[str, dict[int | None, list[PricingRule]]]
    promo_codes: set[str] = field(default_factory=set)
    # Per-call caches: texts and line-independent verdicts repeat on every line.
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)
    rule_reasons: dict[int, str | None] = field(default_factory=dict)
    rule_texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    skips: dict[tuple[int, str], "SkippedRule"] = field(default_factory=dict)

    def ancestors(self, group_id: int | None) -> list[int]:
        """The group and every group above it (guarded against a loop in bad data)."""
        chain: list[int] = []
        while group_id is not None and group_id not in chain:
            chain.append(group_id)
            group_id = self.group_parent.get(group_id)
        return chain


def _load_rules(firm: Firm, *, date, customer_id, group_id, territory_id) -> list[PricingRule]:
    # Texts and timestamps the resolver never reads are left in the database.
    queryset = (PricingRule.objects.filter(firm=firm, is_active=True).filter(validity_q(date))
                .defer("description", "description_ar", "notes", "created_at", "updated_at",
                       "created_by", "updated_by")
                .annotate(**_has_and_matches(PricingRule, "applicable_customers", customer_id,
                                             "a_customer"),
                          **_has_and_matches(PricingRule, "applicable_customer_groups", group_id,
                                             "a_group"),
                          **_has_and_matches(PricingRule, "applicable_territories", territory_id,
                                             "a_territory"),
                          **_has_and_matches(PricingRule, "exclude_customers", customer_id,
                                             "x_customer"))
                .order_by("pk"))
    return list(queryset)


def _relation_rows(name: str, rule_ids: list[int],
                   values: set[int] | None) -> dict[int, set[int]]:
    """rule id -> related ids of one M2M for the loaded rules, limited to `values` if given."""
    through, owner, target = _through(PricingRule, name)
    rows = through.objects.filter(**{f"{owner}__in": rule_ids})
    if values is not None:
        rows = rows.filter(**{f"{target}__in": values})
    result: dict[int, set[int]] = defaultdict(set)
    for rule_id, related_id in rows.values_list(owner, target):
        result[rule_id].add(related_id)
    return result


def _build_context(*, firm, customer, items, date, promo_code, price_list, customer_group,
                   territory, campaign) -> tuple[_Context, list[CartItem]]:
    cart = _normalise_items(items)
    if isinstance(customer, Customer):
        if customer.firm_id != firm.pk:
            raise ValidationError({"customer": _("Not found.")})
    elif customer not in (None, ""):
        customer_id = _as_id(customer, Customer, "customer", firm)
        customer = Customer.objects.filter(firm=firm, pk=customer_id).first()
        if customer is None:
            raise ValidationError({"customer": _("Not found.")})
    else:
        customer = None
    customer_id = customer.pk if customer else None
    group_id = _as_id(customer_group, CustomerGroup, "customer_group", firm)
    if group_id is None and customer is not None:
        group_id = customer.customer_group_id
    territory_id = _as_id(territory, Territory, "territory", firm)
    if territory_id is None and customer is not None:
        territory_id = customer.territory_id
    campaign_id = _as_id(campaign, Campaign, "campaign", firm)
    explicit_id = _as_id(price_list, PriceList, "price_list", firm)

    lists = _load_price_lists(firm, customer_id=customer_id, group_id=group_id,
                              territory_id=territory_id)
    if explicit_id is not None and explicit_id not in lists:
        raise ValidationError({"price_list": _("Not found.")})
    candidates = _candidate_lists(
        lists, date=date, explicit_id=explicit_id,
        customer_default_id=customer.default_price_list_id if customer else None,
        settings_default_id=_settings_default_list_id(firm))

    rules = _load_rules(firm, date=date, customer_id=customer_id, group_id=group_id,
                        territory_id=territory_id)
    reward_ids = {rule.reward_product_id for rule in rules
                  if rule.reward_type and rule.reward_product_id}
    wanted = {item.product_id for item in cart}
    products = {product.pk: product for product in
                Product.objects.filter(firm=firm, pk__in=wanted | reward_ids)}
    missing = {f"items.{index}.product_id": _("Not found.")
               for index, item in enumerate(cart) if item.product_id not in products}
    if missing:
        raise ValidationError(missing)
    group_parent = dict(ProductGroup.objects.filter(firm=firm).values_list("pk", "parent_id"))

    list_ids = _chain_ids(lists, candidates)
    items_index: dict[tuple[int, int], list[PriceListItem]] = defaultdict(list)
    if list_ids:
        for item in PriceListItem.objects.filter(
                price_list_id__in=list_ids, product_id__in=products).filter(validity_q(date)):
            items_index[(item.price_list_id, item.product_id)].append(item)

    context = _Context(
        firm=firm, date=date, customer_id=customer_id, group_id=group_id,
        territory_id=territory_id, campaign_id=campaign_id, promo=(promo_code or "").strip(),
        lists=lists, candidates=candidates, explicit=explicit_id is not None, items=items_index,
        products=products, group_parent=group_parent, exclude_products={}, exclude_groups={},
        applicable_lists={}, customer_uses={}, by_level={level: {} for level in LEVELS},
        promo_codes={rule.promotion_code.strip().casefold() for rule in rules
                     if rule.promotion_code.strip()})
    if rules:
        _index_rules(context, rules, cart)
    return context, cart


def _index_rules(context: _Context, rules: list[PricingRule], cart: list[CartItem]) -> None:
    """Read the rules' relations (limited to what the cart touches) and index rules by scope."""
    cart_products = {item.product_id for item in cart}
    cart_groups = {group for product_id in cart_products
                   for group in context.ancestors(context.products[product_id].group_id)}
    cart_brands = {context.products[product_id].brand_id for product_id in cart_products} - {None}
    ids = [rule.id for rule in rules]
    scope_products = _relation_rows("products", ids, cart_products)
    scope_groups = _relation_rows("product_groups", ids, cart_groups)
    scope_brands = _relation_rows("brands", ids, cart_brands)
    context.exclude_products = _relation_rows("exclude_products", ids, cart_products)
    context.exclude_groups = _relation_rows("exclude_product_groups", ids, cart_groups)
    context.applicable_lists = _relation_rows("applicable_price_lists", ids, None)
    if context.customer_id is not None:
        context.customer_uses = dict(
            PricingRuleUsage.objects.filter(
                firm=context.firm, customer_id=context.customer_id, released_at__isnull=True,
                rule__is_active=True, rule__usage_limit_per_customer__isnull=False)
            .values("rule_id").annotate(uses=Count("pk")).values_list("rule_id", "uses"))
    scopes = {ApplyOn.ITEM_CODE: scope_products, ApplyOn.ITEM_GROUP: scope_groups,
              ApplyOn.BRAND: scope_brands}
    for rule in rules:
        index = context.by_level.get(rule.apply_on)
        if index is None:
            continue
        if rule.apply_on == ApplyOn.ALL_ITEMS:
            index.setdefault(None, []).append(rule)
            continue
        for related_id in scopes[rule.apply_on].get(rule.pk, ()):
            index.setdefault(related_id, []).append(rule)


# --- the list part ------------------------------------------------------------------------


@dataclass
class _ListPrice:
    price: Decimal
    steps: list[ListStep]
    item: PriceListItem | None


def _plain(value: Decimal) -> Decimal:
    """Rounding to tens leaves an exponent (1.2E+2); show it as 120."""
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def price_round(value: Decimal, *, method: str, precision: int) -> Decimal:
    """A list's rounding: up, down or nearest (half-up) at `precision` places (-1 = tens)."""
    if method not in ROUNDINGS:
        return value
    return _plain(value.quantize(Decimal(1).scaleb(-precision), rounding=ROUNDINGS[method]))


def _best_item(items: list[PriceListItem], quantity: Decimal) -> PriceListItem | None:
    """The quantity break that holds with the largest minimum (then the latest start)."""
    holding = [item for item in items if item.min_quantity <= quantity
               and (item.max_quantity is None or quantity <= item.max_quantity)]
    if not holding:
        return None
    return max(holding, key=lambda item: (item.min_quantity, item.valid_from or datetime.date.min,
                                          item.pk))


def _price_in_list(context: _Context, price_list: PriceList, product_id: int,
                   quantity: Decimal, seen: frozenset = frozenset()) -> _ListPrice | None:
    """The list's price for the product: its own item, or its based-on list's price; then the
    list's markup, discount and rounding, then the item's own discount."""
    code = price_list.code
    item = _best_item(context.items.get((price_list.pk, product_id), []), quantity)
    if item is not None:
        price = item.price
        steps = [ListStep("item_price", price, price_list.pk, code, item.pk)]
        source = item
    else:
        parent = context.lists.get(price_list.based_on_id)
        if parent is None or parent.pk in seen:
            return None
        inherited = _price_in_list(context, parent, product_id, quantity,
                                   seen | {price_list.pk})
        if inherited is None:
            return None
        price = inherited.price
        steps = [*inherited.steps,
                 ListStep("inherited", price, price_list.pk, code, parent.code)]
        source = inherited.item
    if price_list.markup_percent:
        price = price * (1 + price_list.markup_percent / HUNDRED)
        steps.append(ListStep("markup", price, price_list.pk, code, price_list.markup_percent))
    if price_list.discount_percent:
        price = price * (1 - price_list.discount_percent / HUNDRED)
        steps.append(ListStep("discount", price, price_list.pk, code,
                              price_list.discount_percent))
    if price_list.rounding_method in ROUNDINGS:
        price = price_round(price, method=price_list.rounding_method,
                            precision=price_list.rounding_precision)
        steps.append(ListStep("rounding", price, price_list.pk, code,
                              {"method": price_list.rounding_method,
                               "precision": price_list.rounding_precision}))
    if item is not None and item.discount_percent:
        price = price * (1 - item.discount_percent / HUNDRED)
        steps.append(ListStep("item_discount", price, price_list.pk, code,
                              item.discount_percent))
    return _ListPrice(price, steps, source)


def _list_price(context: _Context, product: Product,
                quantity: Decimal) -> tuple[Decimal, PriceList | None, _ListPrice | None]:
    """(unit base price rounded to money, the list that gave it or None, its trace)."""
    for price_list in context.candidates:
        found = _price_in_list(context, price_list, product.pk, quantity)
        if found is not None:
            return round_money(found.price, currency=context.firm.currency), price_list, found
    return round_money(product.standard_price), None, None


# --- the rules part -----------------------------------------------------------------------


def _rule_reason(context: _Context, rule: PricingRule) -> str | None:
    """The reasons that do not depend on the line (promo code, customer, usage), per rule."""
    promo = context.promo.casefold()
    if rule.requires_promo_code and (not promo
                                     or promo != rule.promotion_code.strip().casefold()):
        return Skip.PROMO_CODE_REQUIRED
    if rule.x_customer_ok:
        return Skip.EXCLUDED_CUSTOMER
    if rule.a_customer_any and not rule.a_customer_ok:
        return Skip.NOT_FOR_CUSTOMER
    if rule.a_group_any and not rule.a_group_ok:
        return Skip.NOT_FOR_CUSTOMER_GROUP
    if rule.a_territory_any and not rule.a_territory_ok:
        return Skip.NOT_FOR_TERRITORY
    if rule.usage_limit is not None and rule.usage_count >= rule.usage_limit:
        return Skip.USAGE_LIMIT_REACHED
    if (rule.usage_limit_per_customer is not None and context.customer_id is not None
            and context.customer_uses.get(rule.id, 0) >= rule.usage_limit_per_customer):
        return Skip.CUSTOMER_LIMIT_REACHED
    return None


def _skip_reason(context: _Context, rule: PricingRule, product: Product, quantity: Decimal,
                 gross: Decimal, price_list_id: int | None) -> str | None:
    """Why an in-scope rule cannot apply to the line, or None when it is a candidate."""
    rule_id = rule.id
    if rule_id not in context.rule_reasons:
        context.rule_reasons[rule_id] = _rule_reason(context, rule)
    if context.rule_reasons[rule_id]:
        return context.rule_reasons[rule_id]
    if product.id in context.exclude_products.get(rule_id, ()) or (
            rule_id in context.exclude_groups
            and context.exclude_groups[rule_id].intersection(context.ancestors(product.group_id))):
        return Skip.EXCLUDED_PRODUCT
    lists = context.applicable_lists.get(rule_id)
    if lists and price_list_id not in lists:
        return Skip.NOT_FOR_PRICE_LIST
    if rule.min_quantity is not None and quantity < rule.min_quantity:
        return Skip.BELOW_MIN_QUANTITY
    if rule.max_quantity is not None and quantity > rule.max_quantity:
        return Skip.ABOVE_MAX_QUANTITY
    if rule.min_amount is not None and gross < rule.min_amount:
        return Skip.BELOW_MIN_AMOUNT
    if rule.max_amount is not None and gross > rule.max_amount:
        return Skip.ABOVE_MAX_AMOUNT
    if rule.conditions and not _conditions_hold(context, rule, quantity, gross):
        return Skip.CONDITIONS_NOT_MET
    if rule.reward_type and not _reward_quantity(rule, quantity):
        return Skip.BELOW_BUY_QUANTITY
    return None


def _conditions_hold(context: _Context, rule: PricingRule, quantity: Decimal,
                     gross: Decimal) -> bool:
    values = {"quantity": quantity, "amount": gross, "customer": context.customer_id,
              "customer_group": context.group_id, "territory": context.territory_id,
              "campaign": context.campaign_id, "date": context.date,
              "day_of_week": context.date.weekday()}
    try:
        return conditions_match(rule.conditions, match_all=rule.match_all_conditions,
                                context=values)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        # Stored without conditions_validate (e.g. a raw database edit): never matches.
        return False


def _reward_quantity(rule: PricingRule, quantity: Decimal) -> Decimal:
    """Every full buy_quantity bought gives reward_quantity (5 bought, buy 2 get 1 -> 2)."""
    if not (rule.buy_quantity and rule.reward_quantity and rule.reward_product_id):
        return ZERO
    return (quantity // rule.buy_quantity) * rule.reward_quantity


def _rule_amounts(rules: list[PricingRule], gross: Decimal,
                  quantity: Decimal) -> list[Decimal]:
    """Each rule's amount off the line, applied in the given order on a running amount."""
    running, amounts = gross, []
    for rule in rules:
        value = rule.discount_value
        if rule.discount_type == DiscountType.FIXED_PRICE:
            amount = running - value * quantity
        else:
            if rule.discount_type == DiscountType.FIXED_AMOUNT:
                amount = value * quantity
            else:
                amount = (running if rule.compound else gross) * value / HUNDRED
            if rule.type == RuleType.MARKUP:
                amount = -amount
        if rule.max_discount_amount is not None and amount > rule.max_discount_amount:
            amount = rule.max_discount_amount
        amount = min(round_money(amount), running)  # the line never goes below zero
        running -= amount
        amounts.append(amount)
    return amounts


def _rule_text(rule: PricingRule) -> tuple[str, str]:
    value = _plain(rule.discount_value.normalize())
    if rule.discount_type == DiscountType.PERCENTAGE:
        detail = (_("%(value)s%% markup") if rule.type == RuleType.MARKUP
                  else _("%(value)s%% off"))
    elif rule.discount_type == DiscountType.FIXED_AMOUNT:
        detail = (_("%(value)s more per unit") if rule.type == RuleType.MARKUP
                  else _("%(value)s off per unit"))
    else:
        detail = _("fixed price %(value)s per unit")
    english, arabic = bilingual(detail)
    return (f"{rule.name}: {english % {'value': value}}",
            f"{rule.name_ar or rule.name}: {arabic % {'value': value}}")


def _applied(context: _Context, rule: PricingRule, amount: Decimal) -> AppliedRule:
    if rule.id not in context.rule_texts:
        context.rule_texts[rule.id] = _rule_text(rule)
    text, text_ar = context.rule_texts[rule.id]
    return AppliedRule(id=rule.id, code=rule.code, name=rule.name, name_ar=rule.name_ar,
                       type=rule.type, discount_type=rule.discount_type,
                       discount_value=rule.discount_value, compound=rule.compound,
                       amount=amount, text=text, text_ar=text_ar,
                       promotion_code=rule.promotion_code)


def _skipped(context: _Context, rule: PricingRule, reason: str) -> SkippedRule:
    """The trace entry (shared between lines: the same rule skipped for the same reason)."""
    key = (rule.id, reason)
    if key not in context.skips:
        if reason not in context.messages:
            context.messages[reason] = bilingual(Skip(reason).label)
        message, message_ar = context.messages[reason]
        context.skips[key] = SkippedRule(id=rule.id, code=rule.code, name=rule.name,
                                         name_ar=rule.name_ar, reason=reason,
                                         message=message, message_ar=message_ar)
    return context.skips[key]


def _in_scope(context: _Context, product: Product) -> list[tuple[int, PricingRule]]:
    """(level, rule) for every rule whose scope covers the product, each rule once."""
    found: dict[int, tuple[int, PricingRule]] = {}
    keys = {ApplyOn.ITEM_CODE: [product.id],
            ApplyOn.ITEM_GROUP: context.ancestors(product.group_id),
            ApplyOn.BRAND: [product.brand_id] if product.brand_id else [],
            ApplyOn.ALL_ITEMS: [None]}
    for level, apply_on in enumerate(LEVELS):
        index = context.by_level[apply_on]
        for key in keys[apply_on]:
            for rule in index.get(key, ()):
                found.setdefault(rule.id, (level, rule))
    return sorted(found.values(), key=lambda entry: entry[1].id)


def _choose_rules(context: _Context, product: Product, quantity: Decimal, gross: Decimal,
                  price_list_id: int | None) -> tuple[list[PricingRule], list[SkippedRule]]:
    """The rules that apply to the line, in the order they apply, and the skipped ones."""
    skipped: list[SkippedRule] = []
    candidates: list[tuple[int, PricingRule]] = []
    for level, rule in _in_scope(context, product):
        reason = _skip_reason(context, rule, product, quantity, gross, price_list_id)
        if reason:
            skipped.append(_skipped(context, rule, reason))
        else:
            candidates.append((level, rule))
    if not candidates:
        return [], skipped
    best_level = min(level for level, _rule in candidates)
    competing = []
    for level, rule in candidates:
        if level != best_level:
            skipped.append(_skipped(context, rule, Skip.LESS_SPECIFIC))
        else:
            competing.append(rule)
    # Highest priority; a tie goes to the lowest price the rule alone gives, then lowest id
    # (only the tied rules need their price worked out).
    top = max(rule.priority for rule in competing)
    tied = [rule for rule in competing if rule.priority == top]
    winner = min(tied, key=lambda rule: (-_rule_amounts([rule], gross, quantity)[0], rule.id)
                 ) if len(tied) > 1 else tied[0]
    others = sorted((rule for rule in competing if rule is not winner),
                    key=lambda rule: (-rule.priority, rule.id))
    applied = [winner]
    for rule in others:
        if winner.can_stack and rule.can_stack:
            applied.append(rule)
        elif winner.can_stack:
            skipped.append(_skipped(context, rule, Skip.NOT_STACKABLE))
        else:
            skipped.append(_skipped(context, rule, Skip.LOWER_PRIORITY
                                    if rule.priority < winner.priority else Skip.TIE_LOST))
    return applied, skipped


# --- lines --------------------------------------------------------------------------------


def _list_trace(price_list: PriceList | None, found: _ListPrice | None,
                product: Product) -> tuple[dict | None, dict | None, list[ListStep]]:
    if price_list is None:
        return None, None, [ListStep("standard_price", product.standard_price)]
    item = found.item
    quantity_break = ({"min": item.min_quantity, "max": item.max_quantity}
                      if item is not None else None)
    return ({"id": price_list.pk, "code": price_list.code, "name": price_list.name,
             "name_ar": price_list.name_ar}, quantity_break, found.steps)


def _totals(gross: Decimal, discount: Decimal, quantity: Decimal) -> dict[str, Decimal]:
    net = gross - discount
    return {"gross": gross, "discount_amount": discount, "net": net,
            "unit_price": round_money(net / quantity),
            "discount_percent": round_rate(discount * HUNDRED / gross) if gross else ZERO}


def _telling(skipped: list[SkippedRule]) -> list[SkippedRule]:
    """The skipped rules worth showing: those that lost the competition first, then the
    others, in the order they were met (by rule id)."""
    ordered = sorted(skipped, key=lambda entry: entry.reason not in COMPETITION_SKIPS)
    return ordered[:TRACE_SKIPPED_MAX]


def _price_line(context: _Context, item: CartItem) -> tuple[PricedLine, list[PricedLine]]:
    product = context.products[item.product_id]
    base, price_list, found = _list_price(context, product, item.quantity)
    list_info, quantity_break, steps = _list_trace(price_list, found, product)
    gross = round_money(base * item.quantity)
    rules, skipped = _choose_rules(context, product, item.quantity, gross,
                                   price_list.pk if price_list else None)
    amounts = _rule_amounts(rules, gross, item.quantity)
    line = PricedLine(
        product_id=product.pk, product_code=product.code, product_name=product.name,
        product_name_ar=product.name_ar, quantity=item.quantity, base_price=base,
        price_list=list_info, quantity_break=quantity_break, list_steps=steps,
        **_totals(gross, sum(amounts, ZERO), item.quantity),
        applied_rules=[_applied(context, rule, amount) for rule, amount in zip(rules, amounts,
                                                                       strict=True)],
        skipped_rules=_telling(skipped), skipped_rules_total=len(skipped))
    rewards = [_reward_line(context, rule, item.quantity) for rule in rules if rule.reward_type]
    return line, [reward for reward in rewards if reward is not None]


def _reward_line(context: _Context, rule: PricingRule, quantity: Decimal) -> PricedLine | None:
    """The reward of a buy-X-get-Y rule: free, or at the rule's discount, on its own line."""
    reward_quantity = _reward_quantity(rule, quantity)
    product = context.products.get(rule.reward_product_id)
    if not reward_quantity or product is None:
        return None
    base, price_list, found = _list_price(context, product, reward_quantity)
    list_info, quantity_break, steps = _list_trace(price_list, found, product)
    gross = round_money(base * reward_quantity)
    if rule.reward_type == RewardType.FREE_ITEM:
        discount = gross
    else:
        discount = min(round_money(gross * (rule.reward_discount or ZERO) / HUNDRED), gross)
    return PricedLine(
        product_id=product.pk, product_code=product.code, product_name=product.name,
        product_name_ar=product.name_ar, quantity=reward_quantity, base_price=base,
        price_list=list_info, quantity_break=quantity_break, list_steps=steps,
        **_totals(gross, discount, reward_quantity),
        applied_rules=[_applied(context, rule, discount)],
        is_reward=True, reward_rule_id=rule.pk)


def price_resolve(*, firm: Firm, customer: Customer | int | None = None, items: list,
                  date: datetime.date, promo_code: str = "",
                  price_list: PriceList | int | None = None,
                  customer_group: CustomerGroup | int | None = None,
                  territory: Territory | int | None = None,
                  campaign: Campaign | int | None = None) -> PriceResult:
    """Price a cart (business-rules §10): every line's list price and rules, with their trace.

    Reads a fixed number of queries whatever the cart and the rules; never writes. Refuses
    unknown products, other firms' rows and quantities that are not above zero with a
    ValidationError keyed like `items.2.quantity`.
    """
    if isinstance(date, str):
        try:
            date = datetime.date.fromisoformat(date)
        except ValueError as error:
            raise ValidationError({"date": _("Enter a date as YYYY-MM-DD.")}) from error
    context, cart = _build_context(
        firm=firm, customer=customer, items=items, date=date, promo_code=promo_code,
        price_list=price_list, customer_group=customer_group, territory=territory,
        campaign=campaign)
    lines, reward_lines = [], []
    for item in cart:
        line, rewards = _price_line(context, item)
        lines.append(line)
        reward_lines.extend(rewards)
    every = [*lines, *reward_lines]
    gross = sum((line.gross for line in every), ZERO)
    discount = sum((line.discount_amount for line in every), ZERO)
    promo = context.promo.casefold()
    matched = bool(promo) and promo in context.promo_codes
    applied = bool(promo) and any(rule.promotion_code.strip().casefold() == promo
                                  for line in every for rule in line.applied_rules)
    return PriceResult(date=date, currency=firm.currency, customer_id=context.customer_id,
                       lines=lines, reward_lines=reward_lines, gross=gross, discount=discount,
                       net=gross - discount, promo_code=context.promo,
                       promo_code_matched=matched, promo_code_applied=applied)


def price_lists_applicable(*, firm: Firm, customer: Customer | None,
                           date: datetime.date) -> list[PriceList]:
    """The lists the resolver would try for the customer on the date, in that order."""
    lists = _load_price_lists(firm, customer_id=customer.pk if customer else None,
                              group_id=customer.customer_group_id if customer else None,
                              territory_id=customer.territory_id if customer else None)
    return _candidate_lists(lists, date=date, explicit_id=None,
                            customer_default_id=customer.default_price_list_id
                            if customer else None,
                            settings_default_id=_settings_default_list_id(firm))
