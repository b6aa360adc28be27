"""crm API serializers: parse and present only; every write goes through crm.services.

References are `<thing>Id` fields looked up among the caller's firm's rows (FirmRelatedField),
so another firm's id is a 400 naming the field, never a reference across tenants.
"""


from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import ModelSerializer, RoundedDecimalField, reference
from core.models import User
from core.registry import activity_entities
from core.scoping import scope_for

from ..choices import LeadStatus
from ..models import (
    Activity,
    Campaign,
    Case,
    Customer,
    CustomerAddress,
    CustomerContact,
    CustomerGroup,
    Lead,
    LeadTransaction,
    Notification,
    Pipeline,
    SalesPerson,
    SalesTeam,
    Stage,
    Territory,
)

AUDIT_FIELDS = ["created_at", "updated_at"]


# --- sales organisation -------------------------------------------------------------------


class CustomerGroupSerializer(ModelSerializer):
    class Meta:
        model = CustomerGroup
        fields = ["id", "name", "name_ar", "description", *AUDIT_FIELDS]


class TerritorySerializer(ModelSerializer):
    class Meta:
        model = Territory
        fields = ["id", "code", "name", "name_ar", *AUDIT_FIELDS]


class SalesTeamSerializer(ModelSerializer):
    manager_id = reference(User, "manager")

    class Meta:
        model = SalesTeam
        fields = ["id", "name", "name_ar", "manager_id", "is_active", *AUDIT_FIELDS]


class SalesPersonSerializer(ModelSerializer):
    user_id = reference(User, "user", required=True)
    team_id = reference(SalesTeam, "team")
    territory_id = reference(Territory, "territory")
    name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = SalesPerson
        fields = ["id", "user_id", "name", "team_id", "territory_id", "commission_rate",
                  "is_active", *AUDIT_FIELDS]
        # The one-to-one is checked by the model (full_clean) with a translated message.
        validators: list = []


# --- customers ----------------------------------------------------------------------------


class CustomerAddressSerializer(serializers.ModelSerializer):
    # An id names the entry to keep and edit; entries without one are added (replace_children).
    id = serializers.IntegerField(required=False, min_value=1)
    # `line1` arrives as `line_1` from the camelCase parser.
    line_1 = serializers.CharField(source="line1", max_length=200)
    line_1_ar = serializers.CharField(source="line1_ar", max_length=200, required=False,
                                      allow_blank=True)
    line_2 = serializers.CharField(source="line2", max_length=200, required=False,
                                   allow_blank=True)

    class Meta:
        model = CustomerAddress
        fields = ["id", "kind", "line_1", "line_1_ar", "line_2", "city", "city_ar", "region",
                  "postal_code", "country", "latitude", "longitude", "is_default"]


class CustomerContactSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "name_ar", "job_title", "email", "phone", "is_primary"]


class CustomerSerializer(ModelSerializer):
    code = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                 help_text=_("Numbered by the server when left empty."))
    customer_group_id = reference(CustomerGroup, "customer_group")
    territory_id = reference(Territory, "territory")
    owner_id = reference(User, "owner")
    # pricing sits to crm's right (architecture §4): the model is taken from the foreign key, not
    # imported.
    default_price_list_id = reference(
        Customer._meta.get_field("default_price_list").related_model, "default_price_list",
        help_text=_("The price list used for this customer unless a document names another."))
    addresses = CustomerAddressSerializer(many=True, required=False)
    contacts = CustomerContactSerializer(many=True, required=False)

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "name_ar", "type", "vat_number", "email", "phone",
                  "customer_group_id", "territory_id", "owner_id", "source", "credit_limit",
                  "default_price_list_id", "payment_terms", "notes", "notes_ar", "is_active",
                  "addresses", "contacts",
                  *AUDIT_FIELDS]
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        # customer_create numbers an empty code and both services refuse a taken one naming
        # `code`; the row check here would answer the per-firm constraint as nonFieldErrors.
        code = attrs.pop("code", None)
        attrs = super().validate(attrs)
        if code:
            attrs["code"] = code
        return attrs


# --- cases, pipelines, campaigns ------------------------------------------------------------


class CasePartySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CaseSerializer(ModelSerializer):
    customer_id = reference(Customer, "customer")
    lead_id = reference(Lead, "lead")
    parties = CasePartySerializer(many=True, required=False)
    related_entities = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False)

    class Meta:
        model = Case
        fields = ["id", "number", "title", "customer_id", "lead_id", "practice_area",
                  "case_type", "parties", "related_entities", "status", *AUDIT_FIELDS]
        read_only_fields = ["number"]
        validators: list = []


class StageSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = Stage
        fields = ["id", "name", "name_ar", "order", "probability", "status"]
        read_only_fields = ["order"]

    serializer_field_mapping = ModelSerializer.serializer_field_mapping


class PipelineSerializer(ModelSerializer):
    stages = StageSerializer(many=True, required=False,
                             help_text=_("In board order; entries without an id are added, "
                                         "entries left out are removed."))

    class Meta:
        model = Pipeline
        fields = ["id", "name", "name_ar", "is_default", "is_active", "stages", *AUDIT_FIELDS]
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        # pipeline_save moves the firm's default to this pipeline; the row check must not
        # refuse the second default that the service resolves.
        is_default = attrs.pop("is_default", None)
        attrs = super().validate(attrs)
        if is_default is not None:
            attrs["is_default"] = is_default
        return attrs


class CampaignSerializer(ModelSerializer):
    sales_person_id = reference(SalesPerson, "sales_person", required=True,
                                help_text=_("Fixed once the campaign is created."))

    class Meta:
        model = Campaign
        fields = ["id", "title", "platform", "type", "url", "sales_person_id", "budget",
                  "start_date", "end_date", "status", "deleted_at", *AUDIT_FIELDS]
        read_only_fields = ["deleted_at"]


# --- leads --------------------------------------------------------------------------------


class LeadTeamMemberSerializer(serializers.Serializer):
    user_id = reference(User, "user", required=True)
    split_percent = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0,
                                        max_value=100, required=False, allow_null=True)


class LeadSerializer(ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    campaign_id = reference(Campaign, "campaign")
    pipeline_id = reference(Pipeline, "pipeline")
    stage_id = reference(Stage, "stage", help_text=_(
        "Set on create (the pipeline's first stage when empty); then moved with move-stage."))
    assigned_to_id = reference(User, "assigned_to", help_text=_(
        "Set on create; then changed with assign."))
    customer_id = serializers.IntegerField(read_only=True, allow_null=True)
    team = LeadTeamMemberSerializer(many=True, source="team_members", required=False,
                                    help_text=_("The deal team; the list given replaces it."))

    class Meta:
        model = Lead
        fields = [
            "id", "display_name", "first_name", "last_name", "company", "job_title", "email",
            "phone", "budget", "authority", "need", "timeline", "estimated_value",
            "actual_value", "probability", "expected_close_date", "source", "referrer",
            "campaign_id", "practice_area", "case_type", "opposing_party", "intake_notes",
            "is_vip", "next_follow_up_date", "pipeline_id", "stage_id", "assigned_to_id",
            "team", "status", "lost_reason", "score", "scored_at", "is_stale", "stale_reason",
            "last_contact_date", "conflict_status", "conflict_result", "conflict_checked_at",
            "customer_id", *AUDIT_FIELDS,
        ]
        read_only_fields = ["status", "lost_reason", "score", "scored_at", "is_stale",
                            "stale_reason", "last_contact_date", "conflict_status",
                            "conflict_result", "conflict_checked_at"]


class LeadTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class LeadAssignSerializer(serializers.Serializer):
    user_id = reference(User, "user", required=True, allow_null=True,
                        help_text=_("The new assignee; null leaves the lead unassigned."))


class LeadMoveStageSerializer(serializers.Serializer):
    stage_id = reference(Stage, "stage", required=True, allow_null=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class ConflictCheckInputSerializer(serializers.Serializer):
    """Lead data to check; other keys are ignored."""

    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    opposing_party = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ConflictCheckSerializer(serializers.Serializer):
    has_conflicts = serializers.BooleanField()
    conflicts = serializers.ListField(child=serializers.DictField())
    checked_at = serializers.DateTimeField()
    requires_review = serializers.BooleanField()


class LeadScoreSerializer(serializers.Serializer):
    """crm.services.LeadScore: every part of the score (business-rules §3)."""

    budget = serializers.IntegerField()
    authority = serializers.IntegerField()
    need = serializers.IntegerField()
    timeline = serializers.IntegerField()
    email = serializers.IntegerField()
    phone = serializers.IntegerField()
    company = serializers.IntegerField()
    estimated_value = serializers.IntegerField()
    practice_area = serializers.IntegerField()
    conflict_clear = serializers.IntegerField()
    vip = serializers.IntegerField()
    activities_last_30_days = serializers.IntegerField()
    activity = serializers.IntegerField()
    days_since_contact = serializers.IntegerField(allow_null=True)
    decay = serializers.IntegerField()
    total = serializers.IntegerField()


class LeadTransactionSerializer(serializers.ModelSerializer):
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = LeadTransaction
        fields = ["id", "type", "previous_values", "new_values", "reason", "actor_id",
                  "actor_name", "ip_address", "user_agent", "metadata", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, row: LeadTransaction) -> str | None:
        return str(row.actor) if row.actor_id else None


# --- activities and notifications ---------------------------------------------------------


class ActivitySerializer(ModelSerializer):
    performed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    performed_at = serializers.DateTimeField(required=False, help_text=_("Now when left out."))

    class Meta:
        model = Activity
        fields = ["id", "type", "entity_type", "entity_id", "subject", "performed_by_id",
                  "performed_at", "duration", "outcome", "notes", "due_date", "completed_at",
                  *AUDIT_FIELDS]

    def validate(self, attrs: dict) -> dict:
        # Like every other reference, the record must be one the caller can open (the staff
        # form asks the same): a sales person logs nothing on another's lead. An activity's
        # record never changes, so only a new one is checked.
        model = activity_entities().get(attrs.get("entity_type"))
        user = getattr(self.context.get("request"), "user", None)
        if self.instance is None and model is not None and user is not None and not scope_for(
                model._default_manager.all(), user=user).filter(pk=attrs.get("entity_id")
                                                                ).exists():
            raise serializers.ValidationError({"entity_id": [_("No such record of this firm.")]})
        return super().validate(attrs)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "type", "title", "title_ar", "message", "message_ar", "entity_type",
                  "entity_id", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class LeadSummarySerializer(serializers.Serializer):
    """GET /leads/:id/summary: everything the lead page shows, in one call."""

    lead = LeadSerializer()
    score = LeadScoreSerializer()
    activities = ActivitySerializer(many=True)
    timeline = LeadTransactionSerializer(many=True)
    customer = CustomerSerializer(allow_null=True)
