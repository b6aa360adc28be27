"""crm FilterSets, shared by the API lists, the staff list pages and CSV export (architecture §5.3).

Query names are camelCase on the wire (core.filters.FilterSet maps them). References filter by
id and take a comma list (`?assignedTo=3,4`); each has its `<thing>Id` twin of docs/api.md's
conventions (`?assignedToId=3`). `search_fields` are the columns the list's `search` looks in.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import ActiveFilterSet, CommaChoiceFilter, FilterSet, reference_filters

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


class LeadFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["first_name", "last_name", "company", "email", "phone"]

    status = CommaChoiceFilter(choices=choices.LeadStatus.choices, label=_("status"))
    source = CommaChoiceFilter(choices=choices.Source.choices, label=_("source"))
    stage, stage_id = reference_filters("stage_id", _("stage"))
    pipeline, pipeline_id = reference_filters("pipeline_id", _("pipeline"))
    assigned_to, assigned_to_id = reference_filters("assigned_to_id", _("assigned to"))
    campaign, campaign_id = reference_filters("campaign_id", _("campaign"))
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


class CustomerFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["code", "name", "name_ar", "email", "phone", "vat_number"]

    type = CommaChoiceFilter(choices=choices.CustomerType.choices, label=_("type"))
    customer_group, customer_group_id = reference_filters("customer_group_id", _("customer group"))
    territory, territory_id = reference_filters("territory_id", _("territory"))
    owner, owner_id = reference_filters("owner_id", _("owner"))

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


class SalesTeamFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["name", "name_ar"]

    manager, manager_id = reference_filters("manager_id", _("manager"))

    class Meta:
        model = SalesTeam
        fields: list[str] = []


class SalesPersonFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]

    team, team_id = reference_filters("team_id", _("team"))
    territory, territory_id = reference_filters("territory_id", _("territory"))
    user, user_id = reference_filters("user_id", _("user"))

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
    performed_by, performed_by_id = reference_filters("performed_by_id", _("by"))

    class Meta:
        model = Activity
        fields: list[str] = []


class PipelineFilter(ActiveFilterSet):
    date_field = "created_at"
    search_fields = ["name", "name_ar"]

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
    sales_person, sales_person_id = reference_filters("sales_person_id", _("sales person"))

    class Meta:
        model = Campaign
        fields: list[str] = []


class CaseFilter(FilterSet):
    date_field = "created_at"
    search_fields = ["number", "title", "search_text", "customer__name"]

    status = CommaChoiceFilter(choices=choices.CaseStatus.choices, label=_("status"))
    customer, customer_id = reference_filters("customer_id", _("customer"))
    lead, lead_id = reference_filters("lead_id", _("lead"))

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
