"""pricing staff pages. They parse, call a pricing service (or the one audited save for plain
catalogue data), and present (architecture §5.2): rows come through core.scoping, filters from
pricing.filters, prices from pricing.services.resolver.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View, generic

from core.errors import ApplicationError
from core.forms import apply_errors
from core.services import save_audited
from core.staff import (
    Column,
    PageFilter,
    StaffDetailView,
    StaffFormView,
    StaffListView,
    StaffMixin,
    error_text,
    local_name,
    reference_choices,
)

from .filters import (
    BrandFilter,
    PriceListFilter,
    PricingRuleFilter,
    ProductFilter,
    ProductGroupFilter,
)
from .forms import (
    RULE_M2M,
    BrandForm,
    ConditionFormSet,
    DuplicateForm,
    ItemsImportForm,
    PriceCheckForm,
    PriceCheckLineFormSet,
    PriceListForm,
    PriceListItemForm,
    PricingRuleForm,
    ProductForm,
    ProductGroupForm,
    condition_initial,
)
from .models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup

PRICE_LIST_M2M = ["customers", "customer_groups", "territories"]


def catalogue_save(instance: models.Model, changes: dict, *, actor,
                   many: list[str] = ()) -> models.Model:
    """Plain catalogue data: the audited save (full_clean, history with who and why), then
    the many-to-many choices, in one transaction."""
    related = {name: changes.pop(name) for name in many if name in changes}
    with transaction.atomic():
        for name, value in changes.items():
            setattr(instance, name, value)
        save_audited(instance, actor=actor,
                     reason="created" if instance.pk is None else "updated")
        for name, value in related.items():
            getattr(instance, name).set(value)
    return instance


class PricingMixin:
    url_namespace = "pricing"


class PricingListView(PricingMixin, StaffListView):
    pass


class PricingDetailView(PricingMixin, StaffDetailView):
    pass


class PricingFormView(PricingMixin, StaffFormView):
    many: list[str] = []

    def save(self, form) -> models.Model:
        instance = self.object or self.model(firm=self.firm())
        return catalogue_save(instance, form.changes(), actor=self.request.user,
                              many=self.many)


class RecordActionView(PricingMixin, StaffMixin, View):
    """A POST on one row of the view's model that the user reaches, for users who may view it
    and hold `permission`; it answers with a redirect to a row's page."""

    http_method_names = ["post"]
    permission: str

    def get_permission_required(self):
        return [f"pricing.view_{self.model._meta.model_name}", self.permission]

    def record(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def detail(self, record: models.Model) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.url("detail", record.pk))


def yes_no(value: bool):
    return _("Yes") if value else _("No")


# --- catalogue ------------------------------------------------------------------------------


class BrandMixin:
    model = Brand


class BrandListView(BrandMixin, PricingListView):
    filterset_class = PageFilter(BrandFilter, fields=["is_active"])
    search_fields = BrandFilter.search_fields
    api_list_url_name = "pricing-api:brand-list"
    sort_fields = {"code": "code", "name": "name"}
    default_sort = "name"
    related_links = [(_("Products"), "pricing:product_list", "pricing.view_product")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Products"), lambda brand: brand.product_count),
        Column(_("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(product_count=models.Count("products"))


class BrandDetailView(BrandMixin, PricingDetailView):
    fields = [Column(_("Code"), "code"), Column(_("Name"), "name"),
              Column(_("Arabic name"), "name_ar"), Column(_("Active"), "is_active")]


class BrandFormView(BrandMixin, PricingFormView):
    form_class = BrandForm


class ProductGroupMixin:
    model = ProductGroup


class ProductGroupListView(ProductGroupMixin, PricingListView):
    filterset_class = PageFilter(ProductGroupFilter, fields=["parent", "is_active"],
                                 references={"parent": reference_choices(ProductGroup)})
    search_fields = ProductGroupFilter.search_fields
    api_list_url_name = "pricing-api:productgroup-list"
    sort_fields = {"code": "code", "name": "name"}
    default_sort = "name"
    select_related = ("parent",)
    related_links = [(_("Products"), "pricing:product_list", "pricing.view_product")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Parent group"), lambda group: local_name(group.parent) if group.parent
               else ""),
        Column(_("Products"), lambda group: group.product_count),
        Column(_("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(product_count=models.Count("products"))


class ProductGroupDetailView(ProductGroupMixin, PricingDetailView):
    select_related = ("parent",)
    fields = [Column(_("Code"), "code"), Column(_("Name"), "name"),
              Column(_("Arabic name"), "name_ar"), Column(_("Parent group"), "parent"),
              Column(_("Subgroups"), lambda group: ", ".join(
                  local_name(child) for child in group.children.all()) or "—"),
              Column(_("Active"), "is_active")]


class ProductGroupFormView(ProductGroupMixin, PricingFormView):
    form_class = ProductGroupForm


class ProductMixin:
    model = Product


class ProductListView(ProductMixin, PricingListView):
    filterset_class = PageFilter(ProductFilter, fields=["group", "brand", "is_active"],
                                 references={"group": reference_choices(ProductGroup),
                                             "brand": reference_choices(Brand)})
    search_fields = ProductFilter.search_fields
    api_list_url_name = "pricing-api:product-list"
    sort_fields = {"code": "code", "name": "name", "standardPrice": "standard_price",
                   "costPrice": "cost_price", "createdAt": "created_at"}
    default_sort = "code"
    select_related = ("group", "brand")
    related_links = [(_("Product groups"), "pricing:productgroup_list",
                      "pricing.view_productgroup"),
                     (_("Brands"), "pricing:brand_list", "pricing.view_brand")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Group"), lambda row: local_name(row.group) if row.group else ""),
        Column(_("Brand"), lambda row: local_name(row.brand) if row.brand else ""),
        Column(_("Unit"), "unit"),
        Column(_("Standard price"), "standard_price", sort="standardPrice"),
        Column(_("Cost price"), "cost_price", sort="costPrice"),
        Column(_("VAT (%)"), "tax_rate"),
        Column(_("Active"), "is_active"),
    ]


class ProductDetailView(ProductMixin, PricingDetailView):
    template_name = "pricing/product_detail.html"
    select_related = ("group", "brand")
    fields = [
        Column(_("Code"), "code"), Column(_("Name"), "name"),
        Column(_("Arabic name"), "name_ar"), Column(_("Product group"), "group"),
        Column(_("Brand"), "brand"), Column(_("Unit"), "unit"),
        Column(_("Standard price"), "standard_price"), Column(_("Cost price"), "cost_price"),
        Column(_("VAT (%)"), "tax_rate"), Column(_("Active"), "is_active"),
        Column(_("Description"), "description"),
        Column(_("Arabic description"), "description_ar"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["list_items"] = (list(self.object.price_list_items.select_related(
            "price_list").order_by("price_list__name", "min_quantity"))
            if self.can("pricing.view_pricelist") else None)
        return context


class ProductFormView(ProductMixin, PricingFormView):
    form_class = ProductForm


# --- price lists ----------------------------------------------------------------------------


class PriceListMixin:
    model = PriceList


class PriceListListView(PriceListMixin, PricingListView):
    filterset_class = PageFilter(PriceListFilter, fields=["type", "is_active", "is_default",
                                                          "valid_on"])
    search_fields = PriceListFilter.search_fields
    api_list_url_name = "pricing-api:pricelist-list"
    sort_fields = {"code": "code", "name": "name", "priority": "priority",
                   "validFrom": "valid_from"}
    default_sort = "-priority"
    select_related = ("based_on",)
    related_links = [(_("Price check"), "pricing:price_check", "pricing.view_pricelist")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Type"), "type"),
        Column(_("Based on"), lambda row: local_name(row.based_on) if row.based_on else ""),
        Column(_("Priority"), "priority", sort="priority"),
        Column(_("Items"), lambda row: row.item_count),
        Column(_("Valid from"), "valid_from", sort="validFrom"),
        Column(_("Valid to"), "valid_to"),
        Column(_("Default"), "is_default"),
        Column(_("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(item_count=models.Count("items"))


def restrictions(price_list: PriceList) -> str:
    names = [local_name(row) for name in PRICE_LIST_M2M
             for row in getattr(price_list, name).all()]
    return ", ".join(names) or _("Everyone")


class PriceListDetailView(PriceListMixin, PricingDetailView):
    template_name = "pricing/pricelist_detail.html"
    select_related = ("based_on",)
    fields = [
        Column(_("Code"), "code"), Column(_("Name"), "name"),
        Column(_("Arabic name"), "name_ar"), Column(_("Type"), "type"),
        Column(_("Currency"), "currency"), Column(_("Priority"), "priority"),
        Column(_("Default"), "is_default"), Column(_("Active"), "is_active"),
        Column(_("Valid from"), "valid_from"), Column(_("Valid to"), "valid_to"),
        Column(_("Based on"), "based_on"), Column(_("Markup (%)"), "markup_percent"),
        Column(_("Discount (%)"), "discount_percent"),
        Column(_("Rounding"), "rounding_method"),
        Column(_("Rounding precision"), "rounding_precision"),
        Column(_("Only for"), restrictions),
        Column(_("Description"), "description"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(items_context(self.object, self.request, **{
            name: kwargs[name] for name in ("add_form", "edit_form", "editing")
            if name in kwargs}))
        context["can_duplicate"] = self.can("pricing.add_pricelist")
        context["can_toggle"] = self.can("pricing.change_pricelist")
        context["can_import"] = self.can("pricing.add_pricelistitem") and self.can(
            "pricing.change_pricelistitem")
        context["duplicate_form"] = DuplicateForm()
        return context


def items_context(price_list: PriceList, request, *, add_form=None, edit_form=None,
                  editing: int | None = None) -> dict:
    """The items table of a price list with its add form and, maybe, one row in edit."""
    user = request.user
    can_add = user.has_perm("pricing.add_pricelistitem")
    return {
        "price_list": price_list,
        "items": list(price_list.items.select_related("product").order_by(
            "product__code", "min_quantity", "pk")),
        "add_form": add_form or (PriceListItemForm(user=user, prefix="add") if can_add
                                 else None),
        "edit_form": edit_form, "editing": editing,
        "can_change_items": user.has_perm("pricing.change_pricelistitem"),
        "can_delete_items": user.has_perm("pricing.delete_pricelistitem"),
    }


class PriceListFormView(PriceListMixin, PricingFormView):
    form_class = PriceListForm
    many = PRICE_LIST_M2M


class PriceListActionView(PriceListMixin, RecordActionView):
    permission = "pricing.change_pricelist"


class PriceListToggleView(PriceListActionView):
    def post(self, request, *args, **kwargs):
        from .services.price_lists import price_list_toggle_active

        price_list = price_list_toggle_active(price_list=self.record(),
                                              actor=request.user)
        messages.success(request, _("Price list activated.") if price_list.is_active
                         else _("Price list deactivated."))
        return self.detail(price_list)


class PriceListDuplicateView(PriceListActionView):
    permission = "pricing.add_pricelist"

    def post(self, request, *args, **kwargs):
        from .services.price_lists import price_list_duplicate

        original = self.record()
        form = DuplicateForm(request.POST)
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        try:
            copy = price_list_duplicate(price_list=original, actor=request.user,
                                        code=data.get("code") or None,
                                        name=data.get("name") or None)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, error_text(error))
            return self.detail(original)
        messages.success(request, _("Price list duplicated."))
        return self.detail(copy)


class PriceListItemsView(PriceListActionView):
    """Add, edit and delete a list's items in place. With htmx the items section is swapped;
    without JavaScript it is a plain POST and redirect (or the page with the errors)."""

    http_method_names = ["get", "post"]

    def get_permission_required(self):
        operation = self.kwargs.get("operation", "add")
        return ["pricing.view_pricelist", f"pricing.{operation}_pricelistitem"]

    def item(self, price_list: PriceList) -> PriceListItem:
        return get_object_or_404(price_list.items.all(), pk=self.kwargs["item_pk"])

    def respond(self, price_list: PriceList, *, status: int = 200, **parts):
        if self.request.htmx:
            context = items_context(price_list, self.request, **parts)
            return render(self.request, "pricing/includes/items.html", context, status=status)
        if status == 200 and not parts:
            return self.detail(price_list)
        view = PriceListDetailView()
        view.setup(self.request, pk=price_list.pk)
        view.object = price_list
        return render(self.request, view.template_name,
                      view.get_context_data(object=price_list, **parts), status=status)

    def get(self, request, *args, **kwargs):
        """The edit form of one row (the rest of the table as it is)."""
        price_list = self.record()
        if kwargs.get("operation") != "change":
            return self.detail(price_list)
        item = self.item(price_list)
        form = PriceListItemForm(instance=item, user=request.user, prefix=f"item-{item.pk}")
        return self.respond(price_list, edit_form=form, editing=item.pk)

    def post(self, request, *args, **kwargs):
        price_list = self.record()
        operation = kwargs.get("operation", "add")
        if operation == "delete":
            item = self.item(price_list)
            item._history_user = request.user
            item.delete()
            messages.success(request, _("Item removed."))
            return self.respond(price_list)
        item = self.item(price_list) if operation == "change" else PriceListItem(
            firm=price_list.firm, price_list=price_list)
        prefix = f"item-{item.pk}" if item.pk else "add"
        form = PriceListItemForm(request.POST, instance=item, user=request.user, prefix=prefix)
        if form.is_valid():
            try:
                catalogue_save(item, dict(form.cleaned_data), actor=request.user)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Item saved."))
                return self.respond(price_list)
        parts = ({"edit_form": form, "editing": item.pk} if item.pk
                 else {"add_form": form})
        return self.respond(price_list, status=400 if not request.htmx else 200, **parts)


class PriceListImportView(PriceListMixin, PricingMixin, StaffMixin, generic.TemplateView):
    """Upload a CSV or Excel file of items; the row report shows what was accepted and why
    rows were refused. "Only check" saves nothing."""

    template_name = "pricing/pricelist_import.html"

    def get_permission_required(self):
        return ["pricing.view_pricelist", "pricing.add_pricelistitem",
                "pricing.change_pricelistitem"]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["object"] = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        context.setdefault("form", ItemsImportForm())
        context["detail_url"] = self.url("detail", context["object"].pk)
        return context

    def post(self, request, *args, **kwargs):
        from .services.price_lists import price_list_items_import

        price_list = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = ItemsImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = price_list_items_import(price_list=price_list, actor=request.user,
                                                 file=upload, filename=upload.name,
                                                 dry_run=form.cleaned_data["dry_run"])
            except (ApplicationError, ValidationError) as error:
                form.add_error("file", error_text(error))
        return self.render_to_response(self.get_context_data(
            form=form, report=report), status=200 if report is not None else 400)


# --- pricing rules --------------------------------------------------------------------------


class PricingRuleMixin:
    model = PricingRule


class PricingRuleListView(PricingRuleMixin, PricingListView):
    filterset_class = PageFilter(PricingRuleFilter, fields=["type", "apply_on", "is_active",
                                                            "requires_promo_code"])
    search_fields = PricingRuleFilter.search_fields
    api_list_url_name = "pricing-api:pricingrule-list"
    sort_fields = {"code": "code", "name": "name", "priority": "priority",
                   "usageCount": "usage_count", "validFrom": "valid_from"}
    default_sort = "-priority"
    related_links = [(_("Price check"), "pricing:price_check", "pricing.view_pricelist")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Type"), "type"),
        Column(_("Applies to"), "apply_on"),
        Column(_("Discount"), lambda rule: f"{rule.discount_value.normalize():f} · "
               f"{rule.get_discount_type_display()}"),
        Column(_("Priority"), "priority", sort="priority"),
        Column(_("Promotion code"), "promotion_code"),
        Column(_("Times used"), "usage_count", sort="usageCount"),
        Column(_("Valid from"), "valid_from", sort="validFrom"),
        Column(_("Active"), "is_active"),
    ]


def names(rows) -> str:
    return ", ".join(local_name(row) for row in rows) or "—"


class PricingRuleDetailView(PricingRuleMixin, PricingDetailView):
    template_name = "pricing/pricingrule_detail.html"
    select_related = ("reward_product",)
    fields = [
        Column(_("Code"), "code"), Column(_("Name"), "name"),
        Column(_("Arabic name"), "name_ar"), Column(_("Type"), "type"),
        Column(_("Active"), "is_active"), Column(_("Priority"), "priority"),
        Column(_("Valid from"), "valid_from"), Column(_("Valid to"), "valid_to"),
        Column(_("Applies to"), "apply_on"),
        Column(_("Products"), lambda rule: names(rule.products.all())),
        Column(_("Product groups"), lambda rule: names(rule.product_groups.all())),
        Column(_("Brands"), lambda rule: names(rule.brands.all())),
        Column(_("Discount type"), "discount_type"),
        Column(_("Discount value"), "discount_value"),
        Column(_("Maximum discount"), "max_discount_amount"),
        Column(_("Can stack with other rules"), "can_stack"),
        Column(_("Compounds on the discounted price"), "compound"),
        Column(_("Quantity"), lambda rule: _range(rule.min_quantity, rule.max_quantity)),
        Column(_("Amount"), lambda rule: _range(rule.min_amount, rule.max_amount)),
        Column(_("Only for customers"), lambda rule: names(rule.applicable_customers.all())),
        Column(_("Only for customer groups"),
               lambda rule: names(rule.applicable_customer_groups.all())),
        Column(_("Only for territories"),
               lambda rule: names(rule.applicable_territories.all())),
        Column(_("Only with price lists"),
               lambda rule: names(rule.applicable_price_lists.all())),
        Column(_("Excluded products"), lambda rule: names(rule.exclude_products.all())),
        Column(_("Excluded product groups"),
               lambda rule: names(rule.exclude_product_groups.all())),
        Column(_("Excluded customers"), lambda rule: names(rule.exclude_customers.all())),
        Column(_("Usage"), lambda rule: f"{rule.usage_count} / {rule.usage_limit or '∞'}"),
        Column(_("Usage limit per customer"), "usage_limit_per_customer"),
        Column(_("Promotion code"), "promotion_code"),
        Column(_("Requires the promotion code"), "requires_promo_code"),
        Column(_("Reward"), "reward_type"), Column(_("Buy quantity"), "buy_quantity"),
        Column(_("Reward product"), "reward_product"),
        Column(_("Reward quantity"), "reward_quantity"),
        Column(_("Reward discount (%)"), "reward_discount"),
        Column(_("Notes"), "notes"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["conditions"] = condition_rows(self.object.conditions)
        context["can_duplicate"] = self.can("pricing.add_pricingrule")
        context["can_toggle"] = self.can("pricing.change_pricingrule")
        return context


def _range(low, high) -> str:
    if low is None and high is None:
        return "—"
    return f"{'—' if low is None else low} – {'—' if high is None else high}"


def condition_rows(conditions: list) -> list[dict]:
    from .choices import ConditionField, ConditionOperator

    fields, operators = dict(ConditionField.choices), dict(ConditionOperator.choices)
    rows = []
    for condition in conditions or []:
        value = condition.get("value")
        rows.append({"field": fields.get(condition.get("field"), condition.get("field")),
                     "operator": operators.get(condition.get("operator"),
                                               condition.get("operator")),
                     "value": ", ".join(map(str, value)) if isinstance(value, list)
                     else value, "value2": condition.get("value2")})
    return rows


class PricingRuleFormView(PricingRuleMixin, PricingFormView):
    form_class = PricingRuleForm
    many = RULE_M2M
    formset_labels = {"conditions": _("Conditions")}

    def get_formsets(self):
        initial = ([condition_initial(condition) for condition in self.object.conditions]
                   if self.object else [])
        return {"conditions": ConditionFormSet(prefix="conditions", initial=initial,
                                               **self.formset_kwargs())}

    def save(self, form) -> PricingRule:
        from .conditions import conditions_validate

        formset = self.formsets["conditions"]
        rows = [row for row in formset.forms
                if row.has_changed() and not formset._should_delete_form(row)]
        self.row_forms["conditions"] = rows
        changes = form.changes()
        changes["conditions"] = conditions_validate([row.condition() for row in rows])
        instance = self.object or PricingRule(firm=self.firm())
        return catalogue_save(instance, changes, actor=self.request.user, many=self.many)


class PricingRuleActionView(PricingRuleMixin, RecordActionView):
    permission = "pricing.change_pricingrule"


class PricingRuleToggleView(PricingRuleActionView):
    def post(self, request, *args, **kwargs):
        from .services.rules import pricing_rule_toggle_active

        rule = pricing_rule_toggle_active(rule=self.record(), actor=request.user)
        messages.success(request, _("Pricing rule activated.") if rule.is_active
                         else _("Pricing rule deactivated."))
        return self.detail(rule)


class PricingRuleDuplicateView(PricingRuleActionView):
    permission = "pricing.add_pricingrule"

    def post(self, request, *args, **kwargs):
        from .services.rules import pricing_rule_duplicate

        original = self.record()
        try:
            copy = pricing_rule_duplicate(rule=original, actor=request.user)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, error_text(error))
            return self.detail(original)
        messages.success(request, _("Pricing rule duplicated."))
        return self.detail(copy)


# --- price check ----------------------------------------------------------------------------


class PriceCheckView(PricingMixin, StaffMixin, generic.TemplateView):
    """Staff pick a customer, a list, a promotion code and products, and see how the resolver
    prices each line: base price and list, list steps, rules applied and skipped, rewards."""

    model = PriceList
    template_name = "pricing/price_check.html"
    permission_required = "pricing.view_pricelist"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("form", PriceCheckForm(user=user))
        context.setdefault("lines", PriceCheckLineFormSet(prefix="lines",
                                                          form_kwargs={"user": user}))
        context["formsets"] = [{"name": "lines", "label": _("Products"),
                                "formset": context["lines"]}]
        return context

    def post(self, request, *args, **kwargs):
        from .services.resolver import price_resolve

        user = request.user
        form = PriceCheckForm(request.POST, user=user)
        lines = PriceCheckLineFormSet(request.POST, prefix="lines", form_kwargs={"user": user})
        result = None
        if form.is_valid() and lines.is_valid():
            items = [{"product": row.cleaned_data["product"],
                      "quantity": row.cleaned_data["quantity"]}
                     for row in lines.forms if row.cleaned_data.get("product")]
            data = form.cleaned_data
            try:
                result = price_resolve(firm=user.firm, customer=data.get("customer"),
                                       items=items, date=data.get("date") or
                                       timezone.localdate(),
                                       promo_code=data.get("promo_code", ""),
                                       price_list=data.get("price_list"))
            except ValidationError as error:
                apply_errors(form, error, {"items": [row for row in lines.forms
                                                     if row.cleaned_data.get("product")]})
        return self.render_to_response(self.get_context_data(
            form=form, lines=lines, result=result,
            lines_shown=trace_lines(result) if result else []),
            status=200 if result is not None else 400)


STEP_LABELS = {
    "item_price": _("Item price in the list"),
    "inherited": _("Price from the list it is based on"),
    "markup": _("List markup (%)"),
    "discount": _("List discount (%)"),
    "rounding": _("Rounding"),
    "item_discount": _("Item discount (%)"),
    "standard_price": _("Standard price"),
}


def trace_lines(result) -> list:
    """The priced lines and then the reward lines, each with its list steps labelled."""
    shown = []
    for line in [*result.lines, *result.reward_lines]:
        line.steps = [{"label": STEP_LABELS.get(step.step, step.step), "price": step.price,
                       "value": step.value, "price_list_code": step.price_list_code}
                      for step in line.list_steps]
        shown.append(line)
    return shown
