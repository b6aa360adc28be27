"""Catalogue, price lists and pricing rules (business-rules §10).

The resolver (pricing.services.resolver) reads these in a fixed number of queries and
matches in memory, so nothing here computes prices on its own.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import MONEY, PERCENT, QUANTITY, RATE, money_field, percent_field, unique_per_firm
from core.models import AuditedModel, TenantModel

from . import choices

POSITIVE_QUANTITY = [MinValueValidator(Decimal("0.0001"))]


def check_validity(instance) -> None:
    if instance.valid_from and instance.valid_to and instance.valid_to < instance.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})


def validity_q(date, prefix: str = "") -> Q:
    """Rows valid on `date`: open-ended on either side when a bound is empty."""
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": date}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})))


# --- catalogue ----------------------------------------------------------------------------


class Brand(AuditedModel):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]
        constraints = [unique_per_firm("code", name="pricing_brand_code_unique")]

    def __str__(self) -> str:
        return self.name


class ProductGroup(AuditedModel):
    """A node of the product tree: a rule on a group also covers its descendants."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent group"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="children")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["name"]
        constraints = [unique_per_firm("code", name="pricing_productgroup_code_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Walk up from the new parent: meeting this group again would make a loop.
        seen, node = set(), self.parent
        while node is not None and node.pk not in seen:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("A group cannot sit under itself or one "
                                                   "of its own subgroups.")})
            seen.add(node.pk)
            node = node.parent


class Product(AuditedModel):
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ar = models.TextField(_("Arabic description"), blank=True)
    group = models.ForeignKey(ProductGroup, verbose_name=_("product group"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="products")
    brand = models.ForeignKey(Brand, verbose_name=_("brand"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="products")
    unit = models.CharField(_("unit"), max_length=20, default="unit")
    standard_price = money_field(_("standard price"))
    cost_price = money_field(_("cost price"))
    # Empty means "the firm's VAT": filled in from the settings when the product is saved.
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE, null=True, blank=True,
                                   validators=PERCENT)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [unique_per_firm("code", name="pricing_product_code_unique")]
        indexes = [models.Index(fields=["firm", "name"], name="pricing_product_name_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        # Every door (API, page, admin, import) gets the same default, read when saving
        # because only then is the firm known.
        if self.tax_rate is None:
            from core.services import settings_section

            self.tax_rate = settings_section(firm=self.firm, section="tax")["default_tax_rate"]
        super().save(*args, **kwargs)


# --- price lists --------------------------------------------------------------------------


class PriceList(AuditedModel):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=150)
    name_ar = models.CharField(_("Arabic name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ar = models.TextField(_("Arabic description"), blank=True)
    type = models.CharField(_("type"), max_length=10, choices=choices.PriceListType.choices,
                            default=choices.PriceListType.SELLING)
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    based_on = models.ForeignKey("self", verbose_name=_("based on"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="derived_lists")
    discount_percent = percent_field(_("discount (%)"))
    markup_percent = models.DecimalField(_("markup (%)"), **RATE, default=Decimal("0"),
                                         validators=[MinValueValidator(Decimal("0"))])
    rounding_method = models.CharField(_("rounding"), max_length=10,
                                       choices=choices.RoundingMethod.choices,
                                       default=choices.RoundingMethod.NONE)
    # Decimal places to round to; 0 rounds to whole riyals, -1 to tens.
    rounding_precision = models.SmallIntegerField(_("rounding precision"), default=2,
                                                  validators=[MinValueValidator(-3)])
    customers = models.ManyToManyField("crm.Customer", verbose_name=_("customers"), blank=True,
                                       related_name="price_lists")
    customer_groups = models.ManyToManyField("crm.CustomerGroup",
                                             verbose_name=_("customer groups"), blank=True,
                                             related_name="price_lists")
    territories = models.ManyToManyField("crm.Territory", verbose_name=_("territories"),
                                         blank=True, related_name="price_lists")
    priority = models.IntegerField(_("priority"), default=10)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-priority", "name"]
        constraints = [
            unique_per_firm("code", name="pricing_pricelist_code_unique"),
            unique_per_firm(name="pricing_pricelist_one_default",
                            condition=Q(is_default=True)),
            models.CheckConstraint(condition=Q(rounding_precision__lte=4),
                                   name="pricing_pricelist_precision_max_4"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        check_validity(self)
        if self.rounding_precision is not None and self.rounding_precision > 4:
            raise ValidationError({"rounding_precision": _("At most 4 decimal places.")})
        seen, node = set(), self.based_on
        while node is not None and node.pk not in seen:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"based_on": _("A price list cannot be based on itself, "
                                                     "directly or through other lists.")})
            seen.add(node.pk)
            node = node.based_on


class PriceListItem(AuditedModel):
    price_list = models.ForeignKey(PriceList, verbose_name=_("price list"),
                                   on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="price_list_items")
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    min_quantity = models.DecimalField(_("minimum quantity"), **QUANTITY, default=Decimal("1"),
                                       validators=[MinValueValidator(Decimal("0"))])
    max_quantity = models.DecimalField(_("maximum quantity"), **QUANTITY, null=True,
                                       blank=True, validators=POSITIVE_QUANTITY)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    discount_percent = models.DecimalField(_("item discount (%)"), **RATE, null=True,
                                           blank=True, validators=PERCENT)
    margin_percent = models.DecimalField(_("margin (%)"), **RATE, null=True, blank=True)

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["product__code", "min_quantity"]
        indexes = [models.Index(fields=["price_list", "product", "min_quantity"],
                                name="pricing_item_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(max_quantity__gte=models.F(
                    "min_quantity")),
                name="pricing_item_max_ge_min"),
        ]

    def __str__(self) -> str:
        return f"{self.price_list_id}: {self.product_id} ≥ {self.min_quantity}"

    def clean(self) -> None:
        check_validity(self)
        if (self.max_quantity is not None and self.min_quantity is not None
                and self.max_quantity < self.min_quantity):
            raise ValidationError({"max_quantity": _("The maximum quantity is below the "
                                                     "minimum quantity.")})


# --- pricing rules ------------------------------------------------------------------------


class PricingRule(AuditedModel):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=150)
    name_ar = models.CharField(_("Arabic name"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_ar = models.TextField(_("Arabic description"), blank=True)
    type = models.CharField(_("type"), max_length=20, choices=choices.RuleType.choices,
                            default=choices.RuleType.DISCOUNT)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.IntegerField(_("priority"), default=10)

    apply_on = models.CharField(_("applies to"), max_length=20,
                                choices=choices.ApplyOn.choices,
                                default=choices.ApplyOn.ALL_ITEMS)
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True,
                                      related_name="pricing_rules")
    product_groups = models.ManyToManyField(ProductGroup, verbose_name=_("product groups"),
                                            blank=True, related_name="pricing_rules")
    brands = models.ManyToManyField(Brand, verbose_name=_("brands"), blank=True,
                                    related_name="pricing_rules")

    # [{"field": "quantity", "operator": "between", "value": 5, "value2": 10}], validated by
    # pricing.conditions; ids for customer/group/territory/campaign, ISO dates, 0=Monday.
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    match_all_conditions = models.BooleanField(_("all conditions must hold"), default=True)

    discount_type = models.CharField(_("discount type"), max_length=20,
                                     choices=choices.DiscountType.choices,
                                     default=choices.DiscountType.PERCENTAGE)
    discount_value = models.DecimalField(_("discount value"), **MONEY,
                                         validators=[MinValueValidator(0)])
    max_discount_amount = models.DecimalField(_("maximum discount"), **MONEY, null=True,
                                              blank=True, validators=[MinValueValidator(0)])
    # On a stacked line: take this rule's percentage off the already discounted price
    # (20 % then 10 % = 28 %) instead of adding percentages (30 %).
    compound = models.BooleanField(_("compounds on the discounted price"), default=False)

    min_quantity = models.DecimalField(_("minimum quantity"), **QUANTITY, null=True,
                                       blank=True, validators=[MinValueValidator(0)])
    max_quantity = models.DecimalField(_("maximum quantity"), **QUANTITY, null=True,
                                       blank=True, validators=[MinValueValidator(0)])
    min_amount = models.DecimalField(_("minimum amount"), **MONEY, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    max_amount = models.DecimalField(_("maximum amount"), **MONEY, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    applicable_customers = models.ManyToManyField(
        "crm.Customer", verbose_name=_("only for customers"), blank=True, related_name="+")
    applicable_customer_groups = models.ManyToManyField(
        "crm.CustomerGroup", verbose_name=_("only for customer groups"), blank=True,
        related_name="+")
    applicable_territories = models.ManyToManyField(
        "crm.Territory", verbose_name=_("only for territories"), blank=True, related_name="+")
    applicable_price_lists = models.ManyToManyField(
        PriceList, verbose_name=_("only with price lists"), blank=True, related_name="+")
    exclude_products = models.ManyToManyField(
        Product, verbose_name=_("excluded products"), blank=True, related_name="+")
    exclude_product_groups = models.ManyToManyField(
        ProductGroup, verbose_name=_("excluded product groups"), blank=True, related_name="+")
    exclude_customers = models.ManyToManyField(
        "crm.Customer", verbose_name=_("excluded customers"), blank=True, related_name="+")

    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    usage_limit_per_customer = models.PositiveIntegerField(_("usage limit per customer"),
                                                           null=True, blank=True)
    can_stack = models.BooleanField(_("can stack with other rules"), default=True)

    promotion_code = models.CharField(_("promotion code"), max_length=40, blank=True)
    requires_promo_code = models.BooleanField(_("requires the promotion code"), default=False)

    # Buy X get Y: every full `buy_quantity` bought gives `reward_quantity` of the reward
    # product free (free_item) or at `reward_discount` % off (discount_on_item).
    reward_type = models.CharField(_("reward"), max_length=20,
                                   choices=choices.RewardType.choices, blank=True)
    buy_quantity = models.DecimalField(_("buy quantity"), **QUANTITY, null=True, blank=True,
                                       validators=POSITIVE_QUANTITY)
    reward_product = models.ForeignKey(Product, verbose_name=_("reward product"),
                                       on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    reward_quantity = models.DecimalField(_("reward quantity"), **QUANTITY, null=True,
                                          blank=True, validators=POSITIVE_QUANTITY)
    reward_discount = models.DecimalField(_("reward discount (%)"), **RATE, null=True,
                                          blank=True, validators=PERCENT)

    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        ordering = ["-priority", "code"]
        constraints = [
            unique_per_firm("code", name="pricing_rule_code_unique"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_count__lte=models.F(
                    "usage_limit")),
                name="pricing_rule_usage_within_limit"),
        ]
        indexes = [models.Index(fields=["firm", "is_active"], name="pricing_rule_active_idx"),
                   models.Index(fields=["firm", "promotion_code"],
                                name="pricing_rule_promo_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        check_validity(self)
        errors = {}
        if (self.discount_type == choices.DiscountType.PERCENTAGE
                and self.discount_value is not None and self.discount_value > 100):
            errors["discount_value"] = _("A percentage cannot be above 100.")
        if self.requires_promo_code and not self.promotion_code.strip():
            errors["promotion_code"] = _("Enter the promotion code the rule requires.")
        for low, high in (("min_quantity", "max_quantity"), ("min_amount", "max_amount")):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and high_value < low_value:
                errors[high] = _("The maximum is below the minimum.")
        if self.reward_type:
            if not self.buy_quantity:
                errors["buy_quantity"] = _("Enter how many must be bought for the reward.")
            if not self.reward_product_id:
                errors["reward_product"] = _("Choose the reward product.")
            if not self.reward_quantity:
                errors["reward_quantity"] = _("Enter how many units are rewarded.")
            if (self.reward_type == choices.RewardType.DISCOUNT_ON_ITEM
                    and self.reward_discount is None):
                errors["reward_discount"] = _("Enter the discount on the reward product.")
        if errors:
            raise ValidationError(errors)


class PricingRuleUsage(TenantModel):
    """One use of a rule by a confirmed document; released (not deleted) on cancellation.

    The rule's usage_count is the number of unreleased rows, kept on the rule so the limit
    check is one locked row; per-customer limits count this table.
    """

    rule = models.ForeignKey(PricingRule, verbose_name=_("pricing rule"),
                             on_delete=models.CASCADE, related_name="usages")
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    # The document that used the rule, e.g. ("sales_order", 42).
    source_type = models.CharField(_("source type"), max_length=30)
    source_id = models.PositiveBigIntegerField(_("source id"))
    discount_amount = money_field(_("discount given"))
    used_at = models.DateTimeField(_("used at"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pricing rule use")
        verbose_name_plural = _("pricing rule uses")
        ordering = ["-used_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "source_type", "source_id"],
                                    name="pricing_usage_once_per_document"),
        ]
        indexes = [models.Index(fields=["rule", "customer"], name="pricing_usage_customer_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} ← {self.source_type} {self.source_id}"
