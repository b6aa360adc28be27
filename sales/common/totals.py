"""The one totals engine of quotes, orders, invoices and credit notes (business-rules §2).

Pure Python on Decimals: no database, no settings lookups. Callers build the inputs (a
document's lines, its discount and shipping, the firm's tax settings) and store or show what
comes out. Intermediate values stay unrounded; every produced amount is rounded half-up to the
currency's precision by core.money.round_money (tax may follow the firm's tax rounding method).

Produced amounts add up the way the document prints them: `afterDiscount = subtotal −
documentDiscount` and `total = afterDiscount + taxAmount + shipping`, each on rounded values,
while each of those parts is computed from unrounded line amounts (docs/decisions.md,
"Sales totals").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from num2words import num2words

from core.arabic_words import AND, MAXIMUM, Noun, counted_in_words, number_in_words
from core.errors import ApplicationError, ErrorCode
from core.money import CURRENCY_PRECISION, round_money, to_decimal
from sales.common.choices import DiscountType
from sales.errors import SalesErrorCode

ZERO = Decimal("0")
HUNDRED = Decimal("100")


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One line as entered. A line has a percentage or a fixed discount, not both."""

    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    tax_rate: Decimal = ZERO
    taxable: bool = True
    cost_price: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("quantity", "unit_price", "discount_percent", "discount_amount",
                     "tax_rate", "cost_price"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value))
        if self.discount_percent and self.discount_amount:
            raise ValueError("A line has a discount percentage or a discount amount, not both.")


@dataclass(frozen=True)
class DocumentInput:
    """A document's lines and its own discount, shipping and (quotes) win probability."""

    lines: Sequence[LineInput]
    discount_type: str = DiscountType.AMOUNT
    discount_value: Decimal = ZERO
    shipping_cost: Decimal = ZERO
    probability: Decimal | None = None
    currency: str = "SAR"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        for name in ("discount_value", "shipping_cost", "probability"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value))
        if self.discount_type not in DiscountType.values:
            raise ValueError(f"Unknown discount type {self.discount_type!r}.")


def _setting(section: Any, name: str, default: Any) -> Any:
    """A value from a settings section given as a namespace (settings_read) or a dict."""
    if isinstance(section, dict):
        return section.get(name, default)
    return getattr(section, name, default)


@dataclass(frozen=True)
class TaxSettings:
    """The firm's tax section (core.sales_settings.TaxSection) as the engine needs it."""

    calculate_tax_on_discount: bool = True
    round_tax_per_line: bool = False
    tax_included_in_price: bool = False
    rounding_method: str = "nearest"

    @classmethod
    def from_settings(cls, tax: Any) -> TaxSettings:
        return cls(
            calculate_tax_on_discount=_setting(tax, "calculate_tax_on_discount", True),
            round_tax_per_line=_setting(tax, "round_tax_per_line", False),
            tax_included_in_price=_setting(tax, "tax_included_in_price", False),
            rounding_method=_setting(tax, "tax_rounding_method", "nearest"),
        )


@dataclass(frozen=True)
class DiscountLimits:
    """The firm's discount section (and the margin part of its pricing section)."""

    max_line_discount_percent: Decimal = Decimal("20")
    max_order_discount_percent: Decimal = Decimal("15")
    require_discount_approval: bool = False
    discount_approval_threshold: Decimal = Decimal("10")

    @classmethod
    def from_settings(cls, discounts: Any) -> DiscountLimits:
        return cls(
            max_line_discount_percent=to_decimal(
                _setting(discounts, "max_line_discount_percent", Decimal("20"))),
            max_order_discount_percent=to_decimal(
                _setting(discounts, "max_order_discount_percent", Decimal("15"))),
            require_discount_approval=_setting(discounts, "require_discount_approval", False),
            discount_approval_threshold=to_decimal(
                _setting(discounts, "discount_approval_threshold", Decimal("10"))),
        )


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineTotals:
    base: Decimal
    line_discount: Decimal
    line_total: Decimal
    line_tax: Decimal

    @property
    def stored(self) -> dict[str, Decimal]:
        """The amounts under the names document lines store them."""
        return {"base_amount": self.base, "line_discount": self.line_discount,
                "line_total": self.line_total, "tax_amount": self.line_tax}


@dataclass(frozen=True)
class DocumentTotals:
    lines: tuple[LineTotals, ...]
    subtotal: Decimal
    document_discount: Decimal
    after_discount: Decimal
    tax_amount: Decimal
    shipping: Decimal
    total: Decimal
    weighted_value: Decimal | None
    total_in_words: str
    total_in_words_en: str

    @property
    def stored(self) -> dict[str, Any]:
        """The totals under the names documents store them."""
        return {"subtotal": self.subtotal, "discount_amount": self.document_discount,
                "after_discount": self.after_discount, "tax_amount": self.tax_amount,
                "total": self.total, "total_in_words": self.total_in_words,
                "total_in_words_en": self.total_in_words_en}

    def as_dict(self) -> dict[str, Any]:
        """Plain values for an API answer (`POST /quotes/:id/calculate`)."""
        return {
            "lines": [vars(line) for line in self.lines],
            "subtotal": self.subtotal, "document_discount": self.document_discount,
            "after_discount": self.after_discount, "tax_amount": self.tax_amount,
            "shipping": self.shipping, "total": self.total,
            "weighted_value": self.weighted_value, "total_in_words": self.total_in_words,
            "total_in_words_en": self.total_in_words_en,
        }


@dataclass(frozen=True)
class _RawLine:
    """A line's unrounded amounts, net of VAT."""

    base: Decimal
    discount: Decimal
    total: Decimal
    tax_rate: Decimal  # 0 for a line that is not taxable


# --- the calculation ----------------------------------------------------------------------


def _net(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """An amount net of VAT: prices that include VAT are divided by (1 + rate/100) first."""
    if not included or not rate:
        return amount
    return amount * HUNDRED / (HUNDRED + rate)


def _raw_line(line: LineInput, *, tax: TaxSettings) -> _RawLine:
    rate = line.tax_rate if line.taxable else ZERO
    unit_price = _net(line.unit_price, rate, included=tax.tax_included_in_price)
    base = line.quantity * unit_price
    if line.discount_percent:
        discount = base * line.discount_percent / HUNDRED
    else:
        # A fixed discount is entered in the same terms as the price (with VAT or without).
        discount = _net(line.discount_amount, rate, included=tax.tax_included_in_price)
    # A discount beyond the line's value takes the line to zero, never below.
    discount = min(discount, base)
    return _RawLine(base=base, discount=discount, total=base - discount, tax_rate=rate)


def _raw_document_discount(document: DocumentInput, subtotal: Decimal) -> Decimal:
    if document.discount_type == DiscountType.PERCENTAGE:
        discount = subtotal * document.discount_value / HUNDRED
    else:
        discount = document.discount_value
    return max(min(discount, subtotal), ZERO)


TAX_ROUNDING = {"up": ROUND_CEILING, "down": ROUND_FLOOR}


def _round_tax(value: Decimal, *, tax: TaxSettings, currency: str) -> Decimal:
    """Tax rounds the way the firm says (half-up unless its tax rounding is up or down)."""
    if tax.rounding_method not in TAX_ROUNDING:
        return round_money(value, currency=currency)
    places = CURRENCY_PRECISION.get(currency, 2)
    return value.quantize(Decimal(1).scaleb(-places), rounding=TAX_ROUNDING[tax.rounding_method])


def totals_calculate(*, document: DocumentInput, tax: TaxSettings) -> DocumentTotals:
    """Every total of a document per business-rules §2, from unrounded line amounts."""
    currency = document.currency
    raw = [_raw_line(line, tax=tax) for line in document.lines]
    subtotal_raw = sum((line.total for line in raw), ZERO)
    discount_raw = _raw_document_discount(document, subtotal_raw)
    after_raw = subtotal_raw - discount_raw
    line_taxes = []
    for line in raw:
        if tax.calculate_tax_on_discount and subtotal_raw:
            # The line's share of the discounted amount; multiplying before dividing keeps
            # exact results exact (1800 × 2150 × 15 / (2250 × 100) is 258, not 257.99…).
            line_tax = line.total * after_raw * line.tax_rate / (subtotal_raw * HUNDRED)
        else:
            line_tax = line.total * line.tax_rate / HUNDRED
        line_taxes.append(line_tax)
    if tax.round_tax_per_line:
        tax_amount = sum((_round_tax(t, tax=tax, currency=currency) for t in line_taxes),
                         round_money(ZERO, currency=currency))
    else:
        tax_amount = _round_tax(sum(line_taxes, ZERO), tax=tax, currency=currency)

    subtotal = round_money(subtotal_raw, currency=currency)
    document_discount = round_money(discount_raw, currency=currency)
    after_discount = subtotal - document_discount
    shipping = round_money(max(document.shipping_cost, ZERO), currency=currency)
    total = after_discount + tax_amount + shipping
    weighted = (None if document.probability is None
                else round_money(total * document.probability / HUNDRED, currency=currency))
    return DocumentTotals(
        lines=tuple(
            LineTotals(base=round_money(line.base, currency=currency),
                       line_discount=round_money(line.discount, currency=currency),
                       line_total=round_money(line.total, currency=currency),
                       line_tax=_round_tax(line_tax, tax=tax, currency=currency))
            for line, line_tax in zip(raw, line_taxes, strict=True)),
        subtotal=subtotal, document_discount=document_discount, after_discount=after_discount,
        tax_amount=tax_amount, shipping=shipping, total=total, weighted_value=weighted,
        total_in_words=amount_in_words_ar(total, currency=currency),
        total_in_words_en=amount_in_words_en(total, currency=currency),
    )


# --- discount limits and margins ----------------------------------------------------------


@dataclass(frozen=True)
class DiscountReview:
    """The outcome of discount_limits_check: fine, or needing a manager's approval (and why)."""

    needs_approval: bool = False
    reasons: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _percent_of(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO if not part else HUNDRED
    return part * HUNDRED / whole


def discount_limits_check(*, document: DocumentInput, limits: DiscountLimits) -> DiscountReview:
    """Refuse discounts above the firm's limits, or say they need approval (business-rules §2).

    A fixed discount is measured as the percentage of the amount it comes off. Without
    `require_discount_approval` a discount above its maximum raises `discount_above_limit`
    (400) naming each offending field (`items.N.discount_percent`, `discount_value`). With it,
    nothing is refused: a discount above its maximum, or above `discount_approval_threshold`,
    makes the document need approval before it is sent or confirmed.
    """
    # Tax inclusion divides a price and its fixed discount alike: percentages are the same.
    net = TaxSettings()
    raw = [_raw_line(line, tax=net) for line in document.lines]
    checks = []
    for index, (line, amounts) in enumerate(zip(document.lines, raw, strict=True)):
        if line.discount_percent:
            checks.append((f"items.{index}.discount_percent", line.discount_percent,
                           limits.max_line_discount_percent))
        elif line.discount_amount:
            checks.append((f"items.{index}.discount_amount",
                           _percent_of(line.discount_amount, amounts.base),
                           limits.max_line_discount_percent))
    subtotal = sum((line.total for line in raw), ZERO)
    if document.discount_value:
        percent = (document.discount_value if document.discount_type == DiscountType.PERCENTAGE
                   else _percent_of(document.discount_value, subtotal))
        checks.append(("discount_value", percent, limits.max_order_discount_percent))

    above = {name: (percent, limit) for name, percent, limit in checks if percent > limit}
    if not limits.require_discount_approval:
        if above:
            raise ApplicationError(
                code=ErrorCode.DISCOUNT_ABOVE_LIMIT,
                message=_("A discount is above the limit allowed."),
                details={name: [format_lazy(
                    _("The discount of {percent}% is above the {limit}% allowed."),
                    percent=_percent_text(percent), limit=_percent_text(limit))]
                    for name, (percent, limit) in above.items()})
        return DiscountReview()
    threshold = limits.discount_approval_threshold
    reasons = tuple(
        {"field": name, "discount_percent": _percent_text(percent),
         "limit_percent": _percent_text(min(limit, threshold))}
        for name, percent, limit in checks if percent > limit or percent > threshold)
    return DiscountReview(needs_approval=bool(reasons), reasons=reasons)


def _percent_text(value: Decimal) -> str:
    """A percentage for messages: 12.5, 20 (no trailing zeros)."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def margin_warnings(*, document: DocumentInput, tax: TaxSettings, minimum_margin_percent:
                    Decimal, enabled: bool = True) -> list[dict[str, Any]]:
    """A warning per line whose margin on its cost is below the firm's minimum (business-rules §2).

    Margin is on the revenue the line really brings: its net total after its own discount
    and its share of the document discount. `margin = (revenue − cost × quantity) / revenue`.
    Lines without a cost price are not judged. Nothing is refused: these are warnings.
    """
    if not enabled:
        return []
    minimum = to_decimal(minimum_margin_percent)
    raw = [_raw_line(line, tax=tax) for line in document.lines]
    subtotal = sum((line.total for line in raw), ZERO)
    share = (subtotal - _raw_document_discount(document, subtotal)) / subtotal if subtotal \
        else ZERO
    warnings = []
    for index, (line, amounts) in enumerate(zip(document.lines, raw, strict=True)):
        if line.cost_price is None:
            continue
        revenue = amounts.total * share
        cost = line.cost_price * line.quantity
        margin = (revenue - cost) * HUNDRED / revenue if revenue else None
        if margin is not None and margin >= minimum:
            continue
        if margin is None and not cost:
            continue  # nothing sold for nothing: no margin to speak of
        warnings.append({
            "code": SalesErrorCode.BELOW_MINIMUM_MARGIN,
            "line": index,
            "margin_percent": None if margin is None else round_money(margin),
            "minimum_margin_percent": minimum,
            "message": f"Line {index + 1}: the margin is below the minimum of "
                       f"{_percent_text(minimum)}%.",
            "message_ar": f"البند {index + 1}: هامش الربح أقل من الحد الأدنى "
                          f"{_percent_text(minimum)}٪.",
        })
    return warnings


# --- amounts in words ---------------------------------------------------------------------

# The currency's nouns for core.arabic_words: (singular, dual, plural 3–10, accusative
# singular 11–99, one); the minor unit (halala) is feminine.
ARABIC_CURRENCY = {"SAR": (Noun("ريال", "ريالان", "ريالات", "ريالاً", one="ريال واحد"),
                           Noun("هللة", "هللتان", "هللات", "هللة", one="هللة واحدة",
                                feminine=True))}
ENGLISH_CURRENCY = {"SAR": ("Saudi riyal", "Saudi riyals", "halala", "halalas")}


def _split(amount: Decimal, currency: str) -> tuple[int, int]:
    """Whole units and minor units (halalas) of a rounded, non-negative amount."""
    rounded = round_money(abs(to_decimal(amount)), currency=currency)
    places = CURRENCY_PRECISION.get(currency, 2)
    units = int(rounded)
    return units, int((rounded - units) * 10 ** places)


def amount_in_words_ar(amount: Decimal, *, currency: str = "SAR") -> str:
    """The amount in Arabic words, riyals and halalas: "ألفان وأربعمائة وثمانية ريالات".

    The words and the place and form of each noun follow core.arabic_words (ريال واحد,
    ريالان, ثلاثة ريالات, أحد عشر ريالاً, ألفا ريال, مائة ألف وألف ريال; feminine numbers
    for halalas); riyals and halalas are joined by و, and no riyals say only the halalas.
    A currency without Arabic names gives the number in words, its fraction read after
    فاصلة, and the ISO code: "ألف ومائتان فاصلة خمسون USD". Beyond 999,999,999,999.99,
    more than a document's amount can hold (core.fields.MONEY), there are no words: "" (a
    price preview may compute such a total; saving it is refused as out of range).
    """
    units, minor = _split(amount, currency)
    if units > MAXIMUM:
        return ""
    names = ARABIC_CURRENCY.get(currency)
    if names is None:
        words = number_in_words(units)
        if minor:
            # Read as a decimal: each leading zero of the fraction is a صفر (0.05: صفر خمسة).
            places = CURRENCY_PRECISION.get(currency, 2)
            zeros = places - len(str(minor))
            words += " فاصلة " + "صفر " * zeros + number_in_words(minor)
        return f"{words} {currency}"
    unit, sub = names
    parts = []
    if units or not minor:
        parts.append(counted_in_words(units, unit))
    if minor:
        parts.append(counted_in_words(minor, sub))
    return AND.join(parts)


def amount_in_words_en(amount: Decimal, *, currency: str = "SAR") -> str:
    """The amount in English words: "Two thousand, four hundred and eight Saudi riyals"."""
    units, minor = _split(amount, currency)
    unit, units_name, sub, subs_name = ENGLISH_CURRENCY.get(
        currency, (currency, currency, "cent", "cents"))
    parts = []
    if units or not minor:
        parts.append(f"{num2words(units, lang='en')} {unit if units == 1 else units_name}")
    if minor:
        parts.append(f"{num2words(minor, lang='en')} {sub if minor == 1 else subs_name}")
    text = " and ".join(parts)
    return text[0].upper() + text[1:]
