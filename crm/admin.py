"""crm in the Django admin, scoped to the admin's firm (core.admin.FirmScopedAdmin).

Records with a workflow save through the crm services, as every other caller does
(architecture §5.1): a lead's status, stage, assignee and score are read-only here (they change
through
their own actions on the staff pages or the API), and the audit log and notifications are
read-only.
"""


from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.admin import (
    FirmScopedAdmin,
    FirmScopedInline,
    InlineFirmMixin,
    ReadOnlyFirmAdmin,
    ServiceDeleteMixin,
    adopt,
    form_values,
)

from . import services
from .models import (
    Activity,
    Campaign,
    Case,
    Customer,
    CustomerAddress,
    CustomerContact,
    CustomerGroup,
    Lead,
    LeadTeamMember,
    LeadTransaction,
    Notification,
    Pipeline,
    SalesPerson,
    SalesTeam,
    StaffRelationship,
    Stage,
    Territory,
)

# --- reference data --------------------------------------------------------------------------


@admin.register(CustomerGroup)
class CustomerGroupAdmin(FirmScopedAdmin):
    list_display = ["name", "name_ar", "updated_at"]
    search_fields = ["name", "name_ar", "description"]


@admin.register(Territory)
class TerritoryAdmin(FirmScopedAdmin):
    list_display = ["code", "name", "name_ar"]
    search_fields = ["code", "name", "name_ar"]


@admin.register(SalesTeam)
class SalesTeamAdmin(FirmScopedAdmin):
    list_display = ["name", "name_ar", "manager", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_ar"]


@admin.register(SalesPerson)
class SalesPersonAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["user", "team", "territory", "commission_rate", "is_active"]
    list_filter = ["is_active", "team", "territory"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "team", "territory"]

    def save_model(self, request, obj, form, change):
        saved = services.sales_person_save(
            firm=request.user.firm if not change else obj.firm, actor=request.user,
            sales_person=obj if change else None, **form_values(form, change=change))
        adopt(obj, saved)

    def delete_with_service(self, obj, actor) -> None:
        services.sales_person_delete(sales_person=obj, actor=actor)


@admin.register(StaffRelationship)
class StaffRelationshipAdmin(FirmScopedAdmin):
    list_display = ["user", "related_name", "kind"]
    list_filter = ["kind"]
    search_fields = ["related_name", "user__username", "user__first_name", "user__last_name"]


# --- customers and cases -----------------------------------------------------------------------


class CustomerAddressInline(FirmScopedInline):
    model = CustomerAddress
    fields = ["kind", "line1", "line1_ar", "city", "city_ar", "region", "postal_code",
              "country", "is_default"]


class CustomerContactInline(FirmScopedInline):
    model = CustomerContact
    fields = ["name", "name_ar", "job_title", "email", "phone", "is_primary"]


@admin.register(Customer)
class CustomerAdmin(ServiceDeleteMixin, InlineFirmMixin, FirmScopedAdmin):
    list_display = ["code", "name", "name_ar", "type", "customer_group", "territory", "owner",
                    "default_price_list", "is_active"]
    list_filter = ["type", "is_active", "customer_group", "territory", "source"]
    search_fields = ["code", "name", "name_ar", "email", "phone", "vat_number"]
    list_select_related = ["customer_group", "territory", "owner", "default_price_list"]
    inlines = [CustomerAddressInline, CustomerContactInline]

    def save_model(self, request, obj, form, change):
        # The services number an empty code and refuse another firm's group, territory,
        # owner or price list; the inlines are saved by the admin afterwards.
        values = form_values(form, change=change)
        if change:
            adopt(obj, services.customer_update(customer=obj, actor=request.user, **values))
        else:
            adopt(obj, services.customer_create(firm=request.user.firm, actor=request.user,
                                                **values))

    def delete_with_service(self, obj, actor) -> None:
        services.customer_delete(customer=obj, actor=actor)


@admin.register(Case)
class CaseAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["number", "title", "customer", "practice_area", "case_type", "status"]
    list_filter = ["status", "practice_area"]
    search_fields = ["number", "title", "search_text"]
    readonly_fields = ["number"]
    list_select_related = ["customer"]

    def save_model(self, request, obj, form, change):
        # The case services number the case and keep the conflict check's search text.
        values = form_values(form, change=change)
        if change:
            services.case_update(case=obj, actor=request.user, **values)
        else:
            adopt(obj, services.case_create(firm=request.user.firm, actor=request.user,
                                            **values))

    def delete_with_service(self, obj, actor) -> None:
        services.case_delete(case=obj, actor=actor)


# --- pipelines, campaigns, leads ---------------------------------------------------------------


class StageInline(FirmScopedInline):
    model = Stage
    fields = ["order", "name", "name_ar", "probability", "status"]


@admin.register(Pipeline)
class PipelineAdmin(ServiceDeleteMixin, InlineFirmMixin, FirmScopedAdmin):
    list_display = ["name", "name_ar", "is_default", "is_active"]
    list_filter = ["is_default", "is_active"]
    search_fields = ["name", "name_ar"]
    inlines = [StageInline]

    def save_model(self, request, obj, form, change):
        # pipeline_save keeps one default pipeline per firm.
        saved = services.pipeline_save(firm=obj.firm if change else request.user.firm,
                                       actor=request.user, pipeline=obj if change else None,
                                       **form_values(form, change=change))
        adopt(obj, saved)

    def delete_with_service(self, obj, actor) -> None:
        services.pipeline_delete(pipeline=obj, actor=actor)


@admin.register(Campaign)
class CampaignAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["title", "platform", "type", "sales_person", "budget", "status",
                    "deleted_at"]
    list_filter = ["status", "platform", "type"]
    search_fields = ["title", "url"]
    list_select_related = ["sales_person__user"]
    readonly_fields = ["deleted_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # Django 6's default, without the warning
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The sales person never changes; a deleted campaign is frozen.
        fields = [*super().get_readonly_fields(request, obj)]
        if obj is not None:
            fields.append("sales_person")
            if obj.deleted_at is not None:
                fields += ["title", "platform", "type", "url", "budget", "start_date",
                           "end_date", "status"]
        return fields

    def save_model(self, request, obj, form, change):
        values = form_values(form, change=change)
        if change:
            services.campaign_update(campaign=obj, actor=request.user, **values)
        else:
            adopt(obj, services.campaign_create(firm=request.user.firm, actor=request.user,
                                                **values))

    def delete_with_service(self, obj, actor) -> None:
        services.campaign_delete(campaign=obj, actor=actor)  # soft delete


class LeadTeamMemberInline(FirmScopedInline):
    """Shown, not edited: the deal team's splits are checked by lead_update (staff pages)."""

    model = LeadTeamMember
    fields = ["user", "split_percent"]
    readonly_fields = ["user", "split_percent"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["display_name", "company", "status", "score", "stage", "assigned_to",
                    "estimated_value", "created_at"]
    list_filter = ["status", "source", "conflict_status", "is_vip", "is_stale", "pipeline"]
    search_fields = ["first_name", "last_name", "company", "email", "phone"]
    list_select_related = ["stage", "assigned_to"]
    # The state machine, the board and the assign action own these (crm.services).
    readonly_fields = ["status", "stage", "assigned_to", "score", "scored_at", "customer",
                       "conflict_status", "conflict_checked_at", "last_contact_date",
                       "is_stale", "stale_reason", "lost_reason", "created_at", "updated_at"]
    inlines = [LeadTeamMemberInline]
    fieldsets = [
        (_("Contact"), {"fields": ["first_name", "last_name", "company", "job_title", "email",
                                   "phone", "is_vip"]}),
        (_("Qualification (BANT)"), {"fields": ["budget", "authority", "need", "timeline"]}),
        (_("Value"), {"fields": ["estimated_value", "actual_value", "probability",
                                 "expected_close_date", "next_follow_up_date"]}),
        (_("Source"), {"fields": ["source", "referrer", "campaign"]}),
        (_("Intake"), {"fields": ["practice_area", "case_type", "opposing_party",
                                  "intake_notes"]}),
        (_("Pipeline and status"), {"fields": ["pipeline", "status", "stage", "assigned_to",
                                               "score", "scored_at", "customer", "lost_reason",
                                               "last_contact_date", "is_stale",
                                               "stale_reason"]}),
        (_("Conflict check"), {"fields": ["conflict_status", "conflict_checked_at"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("lead"))
    def display_name(self, obj: Lead) -> str:
        return obj.display_name

    def save_model(self, request, obj, form, change):
        # lead_create / lead_update write the lead's audit log and rescore it.
        values = form_values(form, change=change)
        if change:
            services.lead_update(lead=obj, actor=request.user, reason="admin", **values)
        else:
            adopt(obj, services.lead_create(firm=request.user.firm, actor=request.user,
                                            **values))

    def delete_with_service(self, obj, actor) -> None:
        services.lead_delete(lead=obj, actor=actor, reason="admin")

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The audit log is read-only on its own but goes with its lead (lead_delete); its
        # missing delete permission must not stop deleting the lead.
        perms_needed.discard(LeadTransaction._meta.verbose_name)
        return deleted, counts, perms_needed, protected


@admin.register(LeadTransaction)
class LeadTransactionAdmin(ReadOnlyFirmAdmin):
    list_display = ["created_at", "lead", "type", "actor", "reason"]
    list_filter = ["type"]
    search_fields = ["reason", "lead__first_name", "lead__last_name", "lead__company"]
    list_select_related = ["lead", "actor"]


@admin.register(Activity)
class ActivityAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["performed_at", "type", "entity_type", "entity_id", "subject",
                    "performed_by", "outcome"]
    list_filter = ["type", "entity_type", "outcome"]
    search_fields = ["subject", "notes"]
    list_select_related = ["performed_by"]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "performed_by"]
        if obj is not None:  # an activity stays on the record it was logged on
            fields += ["entity_type", "entity_id"]
        return fields

    def save_model(self, request, obj, form, change):
        # activity_log / activity_update move the lead's last contact and score.
        values = form_values(form, change=change)
        if change:
            services.activity_update(activity=obj, actor=request.user, **values)
        else:
            adopt(obj, services.activity_log(firm=request.user.firm, actor=request.user,
                                             **values))

    def delete_with_service(self, obj, actor) -> None:
        services.activity_delete(activity=obj, actor=actor)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyFirmAdmin):
    list_display = ["created_at", "user", "type", "title", "read_at"]
    list_filter = ["type"]
    search_fields = ["title", "title_ar", "message", "message_ar"]
    list_select_related = ["user"]
