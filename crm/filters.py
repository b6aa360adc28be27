"""crm FilterSets, shared by the API lists, the staff list pages and CSV export (architecture §5.3).

Query names are camelCase on the wire (core.filters.FilterSet maps them). References filter by
id and take a comma list (`?assignedTo=3,4`); each has its `<thing>Id` twin of docs/api.md's
conventions (`?assignedToId=3`). `search_fields` are the columns the list's `search` looks in.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet

from . import choices
from .models import (
    Activity,
    Campaign,
    Case,
    Customer,
    CustomerGroup,
    Lead,
    Notification,
    Pipeline,
    SalesPerson,
    SalesTeam,
    Territory,
)


def _reference(field: str, label) -> CommaNumberFilter:
    return CommaNumberFilter(field_name=field, label=label)


class LeadFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["first_name", "last_name", "company", "email", "phone"]

    status = CommaChoiceFilter(choices=choices.LeadStatus.choices, label=_("status"))
    source = CommaChoiceFilter(choices=choices.Source.choices, label=_("source"))
    stage = _reference("stage_id", _("stage"))
    stage_id = _reference("stage_id", _("stage"))
    pipeline = _reference("pipeline_id", _("pipeline"))
    pipeline_id = _reference("pipeline_id", _("pipeline"))
    assigned_to = _reference("assigned_to_id", _("assigned to"))
    assigned_to_id = _reference("assigned_to_id", _("assigned to"))
    campaign = _reference("campaign_id", _("campaign"))
    campaign_id = _reference("campaign_id", _("campaign"))
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte",
                                            label=_("minimum score"))
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte",
                                            label=_("maximum score"))
    is_stale = django_filters.BooleanFilter(field_name="is_stale", label=_("stale"))
    is_vip = django_filters.BooleanFilter(field_name="is_vip", label=_("VIP"))
    expected_close_from = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="gte", label=_("expected close from"))
    expected_close_to = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="lte", label=_("expected close to"))

    class Meta:
        model = Lead
        fields: list[str] = []


class CustomerFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar", "email", "phone", "vat_number"]

    type = CommaChoiceFilter(choices=choices.CustomerType.choices, label=_("type"))
    customer_group = _reference("customer_group_id", _("customer group"))
    customer_group_id = _reference("customer_group_id", _("customer group"))
    territory = _reference("territory_id", _("territory"))
    territory_id = _reference("territory_id", _("territory"))
    owner = _reference("owner_id", _("owner"))
    owner_id = _reference("owner_id", _("owner"))
    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))

    class Meta:
        model = Customer
        fields: list[str] = []


class CustomerGroupFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["name", "name_ar", "description"]

    class Meta:
        model = CustomerGroup
        fields: list[str] = []


class TerritoryFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar"]

    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", label=_("code"))

    class Meta:
        model = Territory
        fields: list[str] = []


class SalesTeamFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["name", "name_ar"]

    manager = _reference("manager_id", _("manager"))
    manager_id = _reference("manager_id", _("manager"))
    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))

    class Meta:
        model = SalesTeam
        fields: list[str] = []


class SalesPersonFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]

    team = _reference("team_id", _("team"))
    team_id = _reference("team_id", _("team"))
    territory = _reference("territory_id", _("territory"))
    territory_id = _reference("territory_id", _("territory"))
    user = _reference("user_id", _("user"))
    user_id = _reference("user_id", _("user"))
    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))

    class Meta:
        model = SalesPerson
        fields: list[str] = []


class ActivityFilter(FilterSet):
    date_field = "performed_at"
    search_fields = ["subject", "notes"]

    type = CommaChoiceFilter(choices=choices.ActivityType.choices, label=_("type"))
    entity_type = CommaChoiceFilter(choices=choices.ActivityEntity.choices, label=_("about"))
    entity_id = django_filters.NumberFilter(field_name="entity_id", label=_("record"))
    outcome = CommaChoiceFilter(choices=choices.ActivityOutcome.choices, label=_("outcome"))
    performed_by = _reference("performed_by_id", _("by"))
    performed_by_id = _reference("performed_by_id", _("by"))

    class Meta:
        model = Activity
        fields: list[str] = []


class PipelineFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["name", "name_ar"]

    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))
    is_default = django_filters.BooleanFilter(field_name="is_default", label=_("default"))

    class Meta:
        model = Pipeline
        fields: list[str] = []


class CampaignFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["title", "url"]

    status = CommaChoiceFilter(choices=choices.CampaignStatus.choices, label=_("status"))
    platform = CommaChoiceFilter(choices=choices.CampaignPlatform.choices, label=_("platform"))
    type = CommaChoiceFilter(choices=choices.CampaignType.choices, label=_("type"))
    sales_person = _reference("sales_person_id", _("sales person"))
    sales_person_id = _reference("sales_person_id", _("sales person"))

    class Meta:
        model = Campaign
        fields: list[str] = []


class CaseFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["number", "title", "search_text", "customer__name"]

    status = CommaChoiceFilter(choices=choices.CaseStatus.choices, label=_("status"))
    customer = _reference("customer_id", _("customer"))
    customer_id = _reference("customer_id", _("customer"))
    lead = _reference("lead_id", _("lead"))
    lead_id = _reference("lead_id", _("lead"))

    class Meta:
        model = Case
        fields: list[str] = []


class NotificationFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["title", "title_ar", "message", "message_ar"]

    type = CommaChoiceFilter(choices=choices.NotificationType.choices, label=_("type"))
    is_read = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                           exclude=True, label=_("read"))

    class Meta:
        model = Notification
        fields: list[str] = []
