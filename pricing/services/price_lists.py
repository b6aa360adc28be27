"""Price lists: duplicate, switch on and off, which ones apply, and bulk item imports."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import ApplicationError
from core.models import Firm, User
from core.money import to_decimal
from core.services import save_audited
from crm.models import Customer

from ..errors import PricingErrorCode
from ..models import PriceList, PriceListItem, PricingRule, Product
from .resolver import price_lists_applicable

CODE_LENGTH = PriceList._meta.get_field("code").max_length


def free_code(model, *, firm_id: int, code: str) -> str:
    """`code` + "-COPY" (then -COPY2, -COPY3 ...) not yet used in the firm, within the
    field's length."""
    length = model._meta.get_field("code").max_length
    taken = set(model.objects.filter(firm_id=firm_id, code__startswith=code[:length - 8])
                .values_list("code", flat=True))
    for number in range(1, 10_000):
        suffix = "-COPY" if number == 1 else f"-COPY{number}"
        candidate = code[:length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise ValidationError({"code": _("Choose a code for the copy.")})


def check_code_free(model, *, firm_id: int, code: str) -> None:
    if model.objects.filter(firm_id=firm_id, code=code).exists():
        raise ValidationError({"code": _("This code is already used.")})


# What may be copied and switched on and off: price lists and pricing rules.
Switchable = TypeVar("Switchable", PriceList, PricingRule)


def unsaved_copy(source: Switchable, *, code: str | None, name: str | None) -> Switchable:
    """A new, unsaved row copied from a list or a rule, under `code` (else a free one made from
    the source's) and `name` (else the source's marked as a copy)."""
    model = type(source)
    copy = model.objects.get(pk=source.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.code = code or free_code(model, firm_id=source.firm_id, code=source.code)
    check_code_free(model, firm_id=source.firm_id, code=copy.code)
    copy.name = name or str(_("%(name)s (copy)") % {"name": source.name})
    copy.created_by = None
    return copy


def active_toggle(instance: Switchable, *, actor: User | None) -> Switchable:
    """Switch a list or a rule on or off (the locked row's state is the one flipped)."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    locked.is_active = not locked.is_active
    return save_audited(locked, actor=actor,
                        reason="activated" if locked.is_active else "deactivated")


@transaction.atomic
def price_list_duplicate(*, price_list: PriceList, actor: User | None, code: str | None = None,
                         name: str | None = None) -> PriceList:
    """A copy of the list with its items and restrictions, under a new code, never default."""
    copy = unsaved_copy(price_list, code=code, name=name)
    copy.is_default = False
    save_audited(copy, actor=actor, reason="duplicated")
    copy.customers.set(price_list.customers.all())
    copy.customer_groups.set(price_list.customer_groups.all())
    copy.territories.set(price_list.territories.all())
    items = []
    for item in PriceListItem.objects.filter(price_list=price_list).order_by("pk"):
        item.pk = item.id = None
        item._state.adding = True
        item.price_list = copy
        item.created_by = item.updated_by = actor
        items.append(item)
    bulk_create_with_history(items, PriceListItem, default_user=actor,
                             default_change_reason="duplicated")
    return copy


@transaction.atomic
def price_list_toggle_active(*, price_list: PriceList, actor: User | None) -> PriceList:
    """Switch the list on or off (the locked row's state is the one flipped)."""
    return active_toggle(price_list, actor=actor)


def price_list_applicable(*, firm: Firm, customer: Customer | None,
                          date: datetime.date) -> list[PriceList]:
    """The lists the resolver would try for the customer on the date, in the order it would."""
    return price_lists_applicable(firm=firm, customer=customer, date=date)


# --- bulk import --------------------------------------------------------------------------

# Column names in any spelling (productId, product_id, "Product ID") -> field.
COLUMNS = {"productid": "product_id", "product": "product_id", "productcode": "product_code",
           "code": "product_code", "price": "price", "minquantity": "min_quantity",
           "maxquantity": "max_quantity", "validfrom": "valid_from", "validto": "valid_to",
           "discountpercent": "discount_percent", "marginpercent": "margin_percent"}
DECIMALS = ("price", "min_quantity", "max_quantity", "discount_percent", "margin_percent")
DATES = ("valid_from", "valid_to")
FILE_FORMATS = {"csv": "csv", "xlsx": "xlsx"}
# The most rows one import takes, from JSON or a file: an import runs inside the request, and
# 10,000 rows take a few seconds; more is split into several imports.
IMPORT_MAX_ROWS = 10_000


def _fatal(message, **details) -> ApplicationError:
    return ApplicationError(code=PricingErrorCode.IMPORT_FAILED, message=message,
                            details=details, status_code=400)


def _too_many_rows() -> ApplicationError:
    return _fatal(_("At most %(limit)s rows can be imported at once: split the data.")
                  % {"limit": f"{IMPORT_MAX_ROWS:,}"}, limit=IMPORT_MAX_ROWS)


def _column(name: Any) -> str | None:
    return COLUMNS.get(re.sub(r"[^a-z0-9]", "", str(name or "").lower()))


def _read_file(file: Any, filename: str | None) -> list[dict]:
    """The rows of a CSV or XLSX upload as dicts; anything unreadable is fatal."""
    filename = filename or getattr(file, "name", "") or ""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FILE_FORMATS:
        raise _fatal(_("Upload a CSV or XLSX file."), filename=filename)
    content = file.read() if hasattr(file, "read") else file
    # Lines counted before parsing: a file far too long is refused without reading it
    # through. Twice the limit, as a quoted cell may hold line breaks; rows are counted exactly
    # once parsed.
    if extension == "csv" and (content.count(b"\n" if isinstance(content, bytes) else "\n")
                               > 2 * IMPORT_MAX_ROWS + 1):
        raise _too_many_rows()
    try:
        if extension == "csv":
            if isinstance(content, bytes):
                content = content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(content, format="csv")
        else:
            if isinstance(content, str):
                raise ValueError("an XLSX file is binary")
            dataset = tablib.Dataset().load(content, format="xlsx")
    except Exception as error:  # any parser failure means the file cannot be read
        raise _fatal(_("The file could not be read as %(format)s.")
                     % {"format": extension.upper()}) from error
    headers = dataset.headers or []
    return [dict(zip(headers, row, strict=False)) for row in dataset
            if any(value not in (None, "") for value in row)]


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    number = to_decimal(str(value).strip().replace(",", "")) if isinstance(value, str) \
        else to_decimal(value)
    if not number.is_finite():
        raise ValueError
    return number


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value).strip()[:10])


def _clean_row(raw: dict) -> tuple[dict, dict]:
    """(values, errors) of one row; empty cells are left out."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        field = _column(key)
        if field is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if field in DECIMALS:
                values[field] = _parse_decimal(value)
            elif field in DATES:
                values[field] = _parse_date(value)
            elif field == "product_id":
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                values[field] = int(value if not isinstance(value, str) else value.strip())
            else:
                values[field] = str(value).strip()
        except (ValueError, TypeError, InvalidOperation):
            errors[field] = str(_("Enter a date as YYYY-MM-DD.") if field in DATES
                                else _("Enter a number."))
    return values, errors


def _check_row(values: dict, errors: dict) -> None:
    if "price" not in values and "price" not in errors:
        errors["price"] = str(_("Enter the price."))
    elif "price" in values and values["price"] < 0:
        errors["price"] = str(_("The price cannot be negative."))
    for name in ("min_quantity", "max_quantity"):
        if name in values and values[name] < 0:
            errors[name] = str(_("The quantity cannot be negative."))
    low, high = values.get("min_quantity", Decimal("1")), values.get("max_quantity")
    if high is not None and "max_quantity" not in errors and high < low:
        errors["max_quantity"] = str(_("The maximum quantity is below the minimum quantity."))
    if ("discount_percent" in values and "discount_percent" not in errors
            and not Decimal("0") <= values["discount_percent"] <= Decimal("100")):
        errors["discount_percent"] = str(_("Enter a percentage from 0 to 100."))
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        errors["valid_to"] = str(_("The end of validity is before its start."))


def price_list_items_import(*, price_list: PriceList, actor: User | None,
                            rows: list[dict] | None = None, file: Any = None,
                            filename: str | None = None, dry_run: bool = False) -> dict:
    """Add or update the list's items from JSON rows or a CSV/XLSX upload.

    Every row is checked; good rows are imported together (atomically), bad rows are
    reported with their errors: {"accepted", "refused": [{"row", "errors"}], "created",
    "updated", "dry_run"}. `row` counts data rows from 1 (a file's header is not counted).
    An item with the same product, minimum quantity and start of validity is updated.
    A file that cannot be read, data without a product or a price column, or more than
    IMPORT_MAX_ROWS rows raise `import_failed` (400) and import nothing.
    """
    if file is not None:
        rows = _read_file(file, filename)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _fatal(_("Send a list of rows (objects) or upload a CSV or XLSX file."))
    if not rows:
        raise _fatal(_("There are no rows to import."))
    if len(rows) > IMPORT_MAX_ROWS:
        raise _too_many_rows()
    columns = {_column(key) for row in rows for key in row}
    if not columns & {"product_id", "product_code"}:
        raise _fatal(_("A product column (productId or productCode) is required."),
                     columns=sorted(str(key) for key in rows[0]))
    if "price" not in columns:
        raise _fatal(_("A price column is required."),
                     columns=sorted(str(key) for key in rows[0]))

    cleaned = [_clean_row(row) for row in rows]
    products = _products_of(price_list.firm_id, [values for values, _errors in cleaned])
    existing = {(item.product_id, item.min_quantity, item.valid_from): item
                for item in PriceListItem.objects.filter(price_list=price_list)}
    seen: dict[tuple, int] = {}
    good: list[tuple[PriceListItem, bool]] = []
    refused = []
    for number, (values, errors) in enumerate(cleaned, start=1):
        product = (products["id"].get(values.get("product_id"))
                   or products["code"].get(values.get("product_code")))
        if product is None and "product_id" not in errors:
            key = "product_id" if "product_id" in values else "product_code"
            errors[key] = str(_("Unknown product.") if key in values
                              else _("Enter the product."))
        _check_row(values, errors)
        if not errors:
            key = (product.pk, values.get("min_quantity", Decimal("1")),
                   values.get("valid_from"))
            if key in seen:
                errors["row"] = str(_("Same product, minimum quantity and start date as row "
                                      "%(row)s.") % {"row": seen[key]})
            else:
                seen[key] = number
        if not errors:
            item, errors = _item_for(price_list, product, values, existing, actor)
            if item is not None:
                good.append(item)
        if errors:
            refused.append({"row": number, "errors": errors})
    created = [item for item, is_new in good if is_new]
    updated = [item for item, is_new in good if not is_new]
    if not dry_run and good:
        with transaction.atomic():
            bulk_create_with_history(created, PriceListItem, default_user=actor,
                                     default_change_reason="imported")
            if updated:
                bulk_update_with_history(
                    updated, PriceListItem, fields=["price", "max_quantity", "valid_to",
                                                    "discount_percent", "margin_percent",
                                                    "updated_by"],
                    default_user=actor, default_change_reason="imported")
    return {"accepted": len(good), "refused": refused, "created": len(created),
            "updated": len(updated), "dry_run": dry_run}


def _products_of(firm_id: int, rows: list[dict]) -> dict[str, dict]:
    ids = {row["product_id"] for row in rows if "product_id" in row}
    codes = {row["product_code"] for row in rows if "product_code" in row}
    found = Product.objects.filter(Q(pk__in=ids) | Q(code__in=codes), firm_id=firm_id)
    result: dict[str, dict] = {"id": {}, "code": {}}
    for product in found:
        result["id"][product.pk] = product
        result["code"][product.code] = product
    return result


def _item_for(price_list: PriceList, product: Product, values: dict,
              existing: dict, actor: User | None) -> tuple[tuple | None, dict]:
    """The new or changed item of a checked row, validated like a saved item would be."""
    key = (product.pk, values.get("min_quantity", Decimal("1")), values.get("valid_from"))
    item = existing.get(key)
    is_new = item is None
    if is_new:
        item = PriceListItem(firm_id=price_list.firm_id, price_list=price_list, product=product,
                             currency=price_list.currency, created_by=actor)
    item.updated_by = actor
    for name in ("price", "min_quantity", "max_quantity", "valid_from", "valid_to",
                 "discount_percent", "margin_percent"):
        if name in values:
            setattr(item, name, values[name])
    try:
        item.full_clean(exclude=["price_list", "product"], validate_constraints=False)
    except ValidationError as error:
        return None, {name: " ".join(str(m) for m in messages)
                      for name, messages in error.message_dict.items()}
    return (item, is_new), {}
