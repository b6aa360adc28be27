"""crm staff pages. They parse, call a crm service, and present (architecture §5.2): rows come
through
core.scoping (firm and role scope), filters from crm.filters, every write from crm.services.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import View, generic

from core.errors import ApplicationError
from core.forms import apply_errors, formset_rows
from core.models import User
from core.scoping import scope_for
from core.services import request_origin, save_audited
from core.staff import (
    Column,
    PageFilter,
    StaffDeleteView,
    StaffDetailView,
    StaffFormView,
    StaffListView,
    StaffMixin,
    StaffTransitionView,
    TransitionButton,
    error_text,
    local_name,
    reference_choices,
    safe_next,
    status_badge,
    user_choices,
)

from . import services
from .choices import (
    ActivityEntity,
    ConflictStatus,
    LeadStatus,
    LeadTransactionType,
    RelationshipKind,
)
from .filters import (
    ActivityFilter,
    CampaignFilter,
    CaseFilter,
    CustomerFilter,
    CustomerGroupFilter,
    LeadFilter,
    PipelineFilter,
    SalesPersonFilter,
    SalesTeamFilter,
    TerritoryFilter,
)
from .forms import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    STAGE_FIELDS,
    ActivityForm,
    AddressFormSet,
    AssignForm,
    CampaignForm,
    CaseForm,
    ContactFormSet,
    CustomerForm,
    CustomerGroupForm,
    LeadActivityForm,
    LeadForm,
    MoveForm,
    PartyFormSet,
    PipelineForm,
    SalesPersonForm,
    SalesTeamForm,
    StageFormSet,
    TeamMemberFormSet,
    TerritoryForm,
)
from .models import (
    Activity,
    Campaign,
    Case,
    Customer,
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

BOARD_CARDS_PER_STAGE = 50


def _stage_label(stage: Stage) -> str:
    return f"{local_name(stage.pipeline)} · {local_name(stage)}"


# Filter selects of crm rows: stages with their pipeline, sellers with their user, and no
# deleted campaigns.
STAGE_ROWS = reference_choices(
    Stage, _stage_label,
    prepare=lambda rows: rows.select_related("pipeline").order_by("pipeline", "order"))
SALES_PERSON_ROWS = reference_choices(SalesPerson, str,
                                      prepare=lambda rows: rows.select_related("user"))
CAMPAIGN_ROWS = reference_choices(Campaign,
                                  prepare=lambda rows: rows.filter(deleted_at__isnull=True))


class CrmMixin:
    url_namespace = "crm"


class ReferenceFormView(CrmMixin, StaffFormView):
    """Plain reference data (groups, territories, teams): the shared audited save."""

    def save(self, form) -> models.Model:
        instance = self.object or self.model(firm=self.firm())
        for name, value in form.changes().items():
            setattr(instance, name, value)
        return save_audited(instance, actor=self.request.user,
                            reason="created" if instance.pk is None else "updated")


# --- customers -----------------------------------------------------------------------------


class CustomerMixin:
    model = Customer


class CustomerListView(CustomerMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(
        CustomerFilter, fields=["type", "customer_group", "territory", "owner", "is_active"],
        references={"customer_group": reference_choices(CustomerGroup),
                    "territory": reference_choices(Territory), "owner": user_choices})
    api_list_url_name = "crm-api:customer-list"
    search_fields = CustomerFilter.search_fields
    sort_fields = {"code": "code", "name": "name", "creditLimit": "credit_limit",
                   "createdAt": "created_at"}
    default_sort = "name"
    select_related = ("customer_group", "territory", "owner")
    related_links = [(_("Customer groups"), "crm:customergroup_list", "crm.view_customergroup"),
                     (_("Territories"), "crm:territory_list", "crm.view_territory")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), "name", sort="name", link=True),
        Column(_("Type"), "type"),
        Column(_("Group"), lambda row: local_name(row.customer_group) if row.customer_group
               else ""),
        Column(_("Territory"), lambda row: local_name(row.territory) if row.territory else ""),
        Column(_("Owner"), "owner"),
        Column(_("Phone"), "phone"),
        Column(_("Active"), "is_active"),
    ]


class CustomerDetailView(CustomerMixin, CrmMixin, StaffDetailView):
    template_name = "crm/customer_detail.html"
    select_related = ("customer_group", "territory", "owner", "default_price_list")
    fields = [
        Column(_("Code"), "code"),
        Column(_("Name"), "name"),
        Column(_("Arabic name"), "name_ar"),
        Column(_("Type"), "type"),
        Column(_("VAT number"), "vat_number"),
        Column(_("Email"), "email"),
        Column(_("Phone"), "phone"),
        Column(_("Customer group"), "customer_group"),
        Column(_("Territory"), "territory"),
        Column(_("Owner"), "owner"),
        Column(_("Source"), "source"),
        Column(_("Credit limit"), "credit_limit"),
        Column(_("Default price list"), "default_price_list"),
        Column(_("Payment terms"), "payment_terms"),
        Column(_("Active"), "is_active"),
        Column(_("Notes"), "notes"),
        Column(_("Arabic notes"), "notes_ar"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        customer, user = self.object, self.request.user
        context.update({
            "addresses": list(customer.addresses.all()),
            "contacts": list(customer.contacts.all()),
            "leads": list(scope_for(Lead.objects.filter(customer=customer), user=user)
                          .select_related("assigned_to")) if self.can("crm.view_lead") else None,
            "cases": list(customer.cases.all()) if self.can("crm.view_case") else None,
            "activities": entity_activities(ActivityEntity.CUSTOMER, customer)
            if self.can("crm.view_activity") else None,
            "activity_create_url": activity_create_url(ActivityEntity.CUSTOMER, customer,
                                                       self.request),
            "case_create_url": (reverse("crm:case_create") + f"?customer={customer.pk}"
                                if self.can("crm.add_case") else None),
        })
        return context


def entity_activities(entity_type: str, entity: models.Model) -> list[Activity]:
    return list(Activity.objects.filter(firm_id=entity.firm_id, entity_type=entity_type,
                                        entity_id=entity.pk).select_related("performed_by"))


def activity_create_url(entity_type: str, entity: models.Model, request) -> str | None:
    if not request.user.has_perm("crm.add_activity"):
        return None
    return (reverse("crm:activity_create") + f"?entity_type={entity_type}&entity_id={entity.pk}"
            + f"&next={request.path}")


class CustomerFormView(CustomerMixin, CrmMixin, StaffFormView):
    form_class = CustomerForm
    formset_labels = {"addresses": _("Addresses"), "contacts": _("Contacts")}

    def get_formsets(self):
        kwargs = self.formset_kwargs()
        kwargs.pop("form_kwargs")
        return {"addresses": AddressFormSet(instance=self.object, prefix="addresses", **kwargs),
                "contacts": ContactFormSet(instance=self.object, prefix="contacts", **kwargs)}

    def save(self, form) -> Customer:
        addresses, self.row_forms["addresses"] = formset_rows(self.formsets["addresses"],
                                                              ADDRESS_FIELDS)
        contacts, self.row_forms["contacts"] = formset_rows(self.formsets["contacts"],
                                                            CONTACT_FIELDS)
        actor, changes = self.request.user, form.changes()
        if self.object is None:
            if "owner" not in form.fields:
                changes["owner"] = actor  # a sales person's new customer is their own
            return services.customer_create(firm=self.firm(), actor=actor, addresses=addresses,
                                            contacts=contacts, **changes)
        return services.customer_update(customer=self.object, actor=actor, addresses=addresses,
                                        contacts=contacts, **changes)


class CustomerDeleteView(CustomerMixin, CrmMixin, StaffDeleteView):
    delete_note = _("Its addresses, contacts and activities are deleted with it. A customer "
                    "that leads, cases or documents still use cannot be deleted.")

    def perform(self, obj: Customer) -> str:
        services.customer_delete(customer=obj, actor=self.request.user)
        return self.url("list")


# --- leads ---------------------------------------------------------------------------------


class LeadMixin:
    model = Lead


# Target status -> its button; the order is the order on the page.
LEAD_BUTTONS = {
    LeadStatus.CONTACTED: TransitionButton(_("Mark contacted")),
    LeadStatus.QUALIFIED: TransitionButton(_("Qualify")),
    LeadStatus.PROPOSAL: TransitionButton(_("Move to proposal")),
    LeadStatus.NEGOTIATION: TransitionButton(_("Start negotiation")),
    LeadStatus.WON: TransitionButton(_("Mark won"), style="success"),
    LeadStatus.NURTURING: TransitionButton(_("Nurture"), style="outline-secondary"),
    LeadStatus.REOPENED: TransitionButton(_("Reopen"), style="outline-primary"),
    LeadStatus.LOST: TransitionButton(_("Mark lost"), style="outline-danger",
                                      reason_required=True),
    LeadStatus.DISQUALIFIED: TransitionButton(_("Disqualify"), style="outline-danger"),
}


def lead_name(lead: Lead) -> str:
    return lead.display_name


class LeadListView(LeadMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(
        LeadFilter, fields=["status", "source", "pipeline", "stage", "assigned_to", "campaign",
                            "score_min", "score_max", "is_stale", "is_vip", "start_date",
                            "end_date"],
        references={"pipeline": reference_choices(Pipeline), "stage": STAGE_ROWS,
                    "assigned_to": user_choices, "campaign": CAMPAIGN_ROWS})
    api_list_url_name = "crm-api:lead-list"
    search_fields = LeadFilter.search_fields
    sort_fields = {"score": "score", "estimatedValue": "estimated_value",
                   "createdAt": "created_at", "expectedCloseDate": "expected_close_date",
                   "status": "status", "lastName": "last_name"}
    default_sort = "-created_at"
    select_related = ("assigned_to", "stage")
    related_links = [(_("Pipeline board"), "crm:lead_board", "crm.view_lead"),
                     (_("Pipelines"), "crm:pipeline_list", "crm.view_pipeline")]
    columns = [
        Column(_("Lead"), lead_name, sort="lastName", link=True),
        Column(_("Status"), lambda lead: status_badge(lead.status, lead.get_status_display()),
               sort="status"),
        Column(_("Score"), lambda lead: format_html('<span class="crm-score">{}</span>',
                                                    lead.score), sort="score"),
        Column(_("Stage"), lambda lead: local_name(lead.stage) if lead.stage else ""),
        Column(_("Estimated value"), "estimated_value", sort="estimatedValue"),
        Column(_("Assigned to"), "assigned_to"),
        Column(_("Expected close"), "expected_close_date", sort="expectedCloseDate"),
        Column(_("Created"), "created_at", sort="createdAt"),
    ]


SCORE_PARTS = [
    (_("Qualification (BANT)"), [("budget", _("Budget")), ("authority", _("Authority")),
                                 ("need", _("Need")), ("timeline", _("Timeline"))]),
    (_("Engagement"), [("email", _("Email given")), ("phone", _("Phone given")),
                       ("company", _("Company given")),
                       ("estimated_value", _("Estimated value above zero")),
                       ("practice_area", _("Practice area given")),
                       ("conflict_clear", _("Conflict check clear")), ("vip", _("VIP"))]),
]


def score_context(lead: Lead) -> dict:
    """Every part of the lead's score (lead_score_parts), grouped as the page shows them."""
    parts = services.lead_score_parts(lead=lead)
    return {"score": parts, "score_groups": [
        {"label": label, "rows": [{"label": part_label, "points": getattr(parts, name)}
                                  for name, part_label in rows]}
        for label, rows in SCORE_PARTS]}


def lead_timeline(lead: Lead) -> list[dict]:
    """The lead's audit log (LeadTransactions) with its activities, newest first."""
    transactions = list(LeadTransaction.objects.filter(lead=lead).select_related("actor")
                        .order_by("-created_at", "-pk"))
    activities = {activity.pk: activity for activity in
                  entity_activities(ActivityEntity.LEAD, lead)}
    stage_ids, user_ids = set(), set()
    for row in transactions:
        for values in (row.previous_values, row.new_values):
            stage_ids.add(values.get("stage_id"))
            user_ids.add(values.get("assigned_to_id"))
    stages = {stage.pk: local_name(stage) for stage in
              Stage.objects.filter(firm_id=lead.firm_id, pk__in=stage_ids - {None})}
    users = {user.pk: str(user) for user in
             User.objects.filter(firm_id=lead.firm_id, pk__in=user_ids - {None})}
    statuses = dict(LeadStatus.choices)
    entries, shown = [], set()
    for row in transactions:
        entry = {"kind": row.type, "label": row.get_type_display(), "time": row.created_at,
                 "actor": row.actor, "reason": row.reason, "changes": []}
        previous, new = row.previous_values or {}, row.new_values or {}
        if row.type == LeadTransactionType.STATUS_CHANGED:
            entry["from"] = statuses.get(previous.get("status"), previous.get("status"))
            entry["to"] = statuses.get(new.get("status"), new.get("status"))
            # A stage named like its status adds nothing: show it only when it differs.
            entry["from_stage"] = _other_name(stages.get(previous.get("stage_id")),
                                              entry["from"])
            entry["to_stage"] = _other_name(stages.get(new.get("stage_id")), entry["to"])
        elif row.type == LeadTransactionType.ASSIGNED:
            entry["from"] = users.get(previous.get("assigned_to_id"), "—")
            entry["to"] = users.get(new.get("assigned_to_id"), "—")
        elif row.type == LeadTransactionType.ACTIVITY_LOGGED:
            entry["activity"] = activities.get(new.get("activity_id"))
            shown.add(new.get("activity_id"))
        elif row.type == LeadTransactionType.UPDATED:
            entry["changes"] = [{"field": _lead_field_label(name),
                                 "old": _lead_value(name, previous.get(name)),
                                 "new": _lead_value(name, new.get(name))} for name in new]
        elif row.type == LeadTransactionType.CONVERTED:
            entry["customer_id"] = new.get("customer_id")
        entries.append(entry)
    for activity in activities.values():
        if activity.pk not in shown:  # logged before the audit log knew of it
            entries.append({"kind": LeadTransactionType.ACTIVITY_LOGGED,
                            "label": LeadTransactionType.ACTIVITY_LOGGED.label,
                            "time": activity.performed_at, "actor": activity.performed_by,
                            "reason": "", "changes": [], "activity": activity})
    return sorted(entries, key=lambda entry: entry["time"], reverse=True)


def _other_name(stage: str | None, status: Any) -> str:
    return stage if stage and stage.casefold() != str(status or "").casefold() else ""


def _lead_value(name: str, value: Any) -> Any:
    """A logged value as staff read it: a choice's label, a pipeline's or campaign's name."""
    if value in (None, ""):
        return value
    related = {"pipeline_id": Pipeline, "campaign_id": Campaign}.get(name)
    if related is not None:
        row = related._default_manager.filter(pk=value).first()
        return local_name(row) if row else f"#{value}"
    try:
        field = Lead._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    return dict(field.choices).get(value, value) if field.choices else value


def _lead_field_label(name: str) -> str:
    try:
        return capfirst(Lead._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:  # "team" and other keys that are not fields show as they are
        return {"team": _("Deal team")}.get(name, name)


def conflict_context(lead: Lead) -> dict:
    """The stored conflict check (lead_conflict_check), grouped for the page."""
    result = lead.conflict_result or {}
    labels = {"opposing_party_match": _("Opposing party matches a customer"),
              "company_involvement": _("Company involved in cases"),
              "staff_relationship": _("Staff relationships")}
    severities = {"high": _("High"), "medium": _("Medium"), "low": _("Low")}
    kinds = dict(RelationshipKind.choices)
    conflicts = []
    for conflict in result.get("conflicts", []):
        relationships = [{**tie, "relationship_label": kinds.get(tie.get("relationship"),
                                                                 tie.get("relationship"))}
                         for tie in conflict.get("relationships", [])]
        matches = [{**match, "percent": round(float(match.get("match_score", 0)) * 100)}
                   for match in conflict.get("matches", [])]
        conflicts.append({**conflict, "label": labels.get(conflict["type"], conflict["type"]),
                          "severity_label": severities.get(conflict.get("severity"),
                                                           conflict.get("severity")),
                          "matches": matches, "relationships": relationships})
    return {"conflict": {"checked": bool(result), "status": lead.conflict_status,
                         "status_label": lead.get_conflict_status_display(),
                         "checked_at": lead.conflict_checked_at,
                         "requires_review": result.get("requires_review", False),
                         "has_conflicts": result.get("has_conflicts", False),
                         "conflicts": conflicts}}


class LeadDetailView(LeadMixin, CrmMixin, StaffDetailView):
    template_name = "crm/lead_detail.html"
    select_related = ("assigned_to", "pipeline", "stage", "campaign", "customer")
    transitions = LEAD_BUTTONS
    tabs = ("details", "score", "timeline", "conflict", "history")
    fields = [
        Column(_("Name"), lambda lead: f"{lead.first_name} {lead.last_name}".strip()),
        Column(_("Company"), "company"),
        Column(_("Job title"), "job_title"),
        Column(_("Email"), "email"),
        Column(_("Phone"), "phone"),
        Column(_("Budget"), "budget"),
        Column(_("Authority"), "authority"),
        Column(_("Need"), "need"),
        Column(_("Timeline"), "timeline"),
        Column(_("Estimated value"), "estimated_value"),
        Column(_("Actual value"), "actual_value"),
        Column(_("Probability (%)"), "probability"),
        Column(_("Expected close date"), "expected_close_date"),
        Column(_("Source"), "source"),
        Column(_("Referred by"), "referrer"),
        Column(_("Campaign"), "campaign"),
        Column(_("Practice area"), "practice_area"),
        Column(_("Case type"), "case_type"),
        Column(_("Opposing party"), "opposing_party"),
        Column(_("Intake notes"), "intake_notes"),
        Column(_("Pipeline"), lambda lead: local_name(lead.pipeline) if lead.pipeline else ""),
        Column(_("Stage"), lambda lead: local_name(lead.stage) if lead.stage else ""),
        Column(_("Assigned to"), "assigned_to"),
        Column(_("Last contact"), "last_contact_date"),
        Column(_("Next follow-up"), "next_follow_up_date"),
        Column(_("Stale"), lambda lead: lead.stale_reason if lead.is_stale else False),
        Column(_("Lost reason"), "lost_reason"),
        Column(_("Created"), "created_at"),
    ]

    def transition_buttons(self, obj: Lead) -> list[dict]:
        """The targets lead_allowed_targets gives, for users who may change leads."""
        if not self.can("crm.change_lead"):
            return []
        allowed = services.lead_allowed_targets(lead=obj)
        return [{"name": target, "label": button.label, "style": button.style,
                 "url": self.url("transition", obj.pk, target)}
                for target, button in LEAD_BUTTONS.items() if target in allowed]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        tab = self.request.GET.get("tab")
        context.update(lead_live_context(lead, self.request))
        context.update(conflict_context(lead))
        context.update({
            "active_tab": tab if tab in self.tabs else "details",
            "team_members": list(lead.team_members.select_related("user")),
            "cases": list(lead.cases.all()) if self.can("crm.view_case") else None,
            "customer_url": (reverse("crm:customer_detail", args=[lead.customer_id])
                             if lead.customer_id and self.can("crm.view_customer") else None),
            "can_check_conflicts": self.can("crm.change_lead"),
            "assign_form": (kwargs.get("assign_form") or AssignForm(
                initial={"user": lead.assigned_to_id}, user=user))
            if self.can("crm.assign_lead") else None,
            "board_url": (reverse("crm:lead_board") + f"?pipeline={lead.pipeline_id}"
                          if lead.pipeline_id else None),
        })
        if "activity_form" in kwargs:
            context["activity_form"] = kwargs["activity_form"]
        return context


def lead_live_context(lead: Lead, request, *, activity_form=None) -> dict:
    """What refreshes after an activity is logged: score, timeline, the activity form."""
    can_log = request.user.has_perm("crm.add_activity")
    return {
        "object": lead, "lead": lead, **score_context(lead),
        "lead_timeline": lead_timeline(lead),
        "activity_form": activity_form or (LeadActivityForm(user=request.user) if can_log
                                           else None),
        "activity_url": reverse("crm:lead_activity_log", args=[lead.pk]),
    }


class LeadFormView(LeadMixin, CrmMixin, StaffFormView):
    form_class = LeadForm
    formset_labels = {"team": _("Deal team")}

    def get_formsets(self):
        initial = ([{"user": member.user_id, "split_percent": member.split_percent}
                    for member in self.object.team_members.all()] if self.object else [])
        return {"team": TeamMemberFormSet(prefix="team", initial=initial,
                                          **self.formset_kwargs())}

    def save(self, form) -> Lead:
        team_formset = self.formsets["team"]
        team, self.row_forms["team"] = formset_rows(team_formset, ["user", "split_percent"])
        changes, actor = form.changes(), self.request.user
        origin = request_origin(self.request)
        if self.object is None:
            if "assigned_to" not in form.fields:
                # Without the right to assign, the new lead is the creator's own: a sales person
                # reaches only their leads (crm.querysets.LeadQuerySet.visible_to).
                changes["assigned_to"] = actor
            return services.lead_create(firm=self.firm(), actor=actor, origin=origin,
                                        team=team or None, **changes)
        return services.lead_update(lead=self.object, actor=actor, origin=origin,
                                    team=team if team_formset.has_changed() else None,
                                    **changes)


class LeadTransitionView(LeadMixin, CrmMixin, StaffTransitionView):
    """Confirm a status change (reason; required for lost), then lead_transition."""

    detail_view = LeadDetailView

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        allowed = services.lead_allowed_targets(lead=self.object)
        if kwargs["transition"] not in allowed:
            messages.error(request, _("This step is not possible from the lead's status."))
            return HttpResponseRedirect(self.url("detail", self.object.pk))
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["target"] = LeadStatus(self.kwargs["transition"]).label
        context["current"] = self.object.get_status_display()
        return context

    def perform(self, obj: Lead, *, transition: str, reason: str) -> None:
        services.lead_transition(lead=obj, target=transition, actor=self.request.user,
                                 reason=reason, origin=request_origin(self.request))


class LeadDeleteView(LeadMixin, CrmMixin, StaffDeleteView):
    delete_note = _("Its activities, deal team, audit log and the notifications about it are "
                    "deleted with it; its history keeps who deleted it. Cases opened from it "
                    "stay.")

    def perform(self, obj: Lead) -> str:
        services.lead_delete(lead=obj, actor=self.request.user)
        return self.url("list")


class LeadActionView(LeadMixin, CrmMixin, StaffMixin, View):
    """A POST on one lead the user reaches, for users with `permission`."""

    http_method_names = ["post"]
    permission = "crm.change_lead"

    def get_permission_required(self):
        return ["crm.view_lead", self.permission]

    def lead(self) -> Lead:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def detail(self, lead: Lead, tab: str = "") -> HttpResponseRedirect:
        return HttpResponseRedirect(self.url("detail", lead.pk) + (f"?tab={tab}" if tab else ""))


class LeadAssignView(LeadActionView):
    permission = "crm.assign_lead"

    def post(self, request, *args, **kwargs):
        lead = self.lead()
        form = AssignForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("user", [])))
            return self.detail(lead)
        try:
            services.lead_assign(lead=lead, user=form.cleaned_data["user"], actor=request.user,
                                 origin=request_origin(request))
        except (ApplicationError, ValidationError) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Assignment saved."))
        if not scope_for(Lead.objects.filter(pk=lead.pk), user=request.user).exists():
            return HttpResponseRedirect(reverse("crm:lead_list"))  # given away out of sight
        return self.detail(lead)


class LeadConflictCheckView(LeadActionView):
    def post(self, request, *args, **kwargs):
        lead = self.lead()
        lead = services.lead_conflict_check(lead=lead, actor=request.user,
                                            origin=request_origin(request))
        if lead.conflict_status == ConflictStatus.CLEAR:
            messages.success(request, _("Conflict check: clear."))
        else:
            messages.warning(request, _("Conflict check: %(status)s. Review the matches.")
                             % {"status": lead.get_conflict_status_display()})
        return self.detail(lead, "conflict")


class LeadActivityLogView(LeadActionView):
    """Log an activity on the lead. With htmx the form, score and timeline are swapped in
    place; without JavaScript it is a plain POST and redirect."""

    permission = "crm.add_activity"

    def post(self, request, *args, **kwargs):
        lead = self.lead()
        form = LeadActivityForm(request.POST, user=request.user)
        if form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items()
                    if value not in (None, "")}
            try:
                services.activity_log(firm=request.user.firm, actor=request.user,
                                      entity_type=ActivityEntity.LEAD, entity_id=lead.pk,
                                      origin=request_origin(request), **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Activity logged."))
                if not request.htmx:
                    return self.detail(lead, "timeline")
                lead, form = self.lead(), None  # fresh: the score and last contact moved
        if request.htmx:
            context = lead_live_context(lead, request, activity_form=form)
            return render(request, "crm/lead/activity_logged.html", context)
        # Without JavaScript, the lead's page again with the form's errors.
        view = LeadDetailView()
        view.setup(request, pk=lead.pk)
        view.object = lead
        context = view.get_context_data(object=lead, activity_form=form)
        return render(request, view.template_name, context, status=400)


# --- pipeline board ------------------------------------------------------------------------


class LeadBoardView(LeadMixin, CrmMixin, StaffMixin, generic.TemplateView):
    """A column per stage of the chosen pipeline; cards move with a POST to lead_move."""

    template_name = "crm/lead_board.html"

    def get_permission_required(self):
        return ["crm.view_lead"]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        pipelines = list(Pipeline.objects.filter(firm_id=self.request.user.firm_id))
        chosen = self.request.GET.get("pipeline", "")
        pipeline = next((row for row in pipelines if str(row.pk) == chosen), None) or next(
            (row for row in pipelines if row.is_default and row.is_active), None) or next(
            (row for row in pipelines if row.is_active), None)
        context.update({
            "pipelines": [{"pk": row.pk, "label": local_name(row)} for row in pipelines],
            "pipeline": pipeline,
            "pipeline_label": local_name(pipeline) if pipeline else "",
            **board_context(self.request, pipeline),
            "related_links": [{"label": label, "url": reverse(url_name)}
                              for label, url_name, permission in (
                                  (_("Lead list"), "crm:lead_list", "crm.view_lead"),
                                  (_("Pipelines"), "crm:pipeline_list", "crm.view_pipeline"))
                              if self.can(permission)],
        })
        return context


def board_context(request, pipeline: Pipeline | None) -> dict:
    """The board's columns and cards, and the stages each card may move to now."""
    if pipeline is None:
        return {"columns": []}
    user = request.user
    can_move = user.has_perm("crm.change_lead")
    stages = list(pipeline.stages.all())
    leads = scope_for(Lead.objects.filter(pipeline=pipeline), user=user).select_related(
        "assigned_to").order_by("-score", "-pk")
    counts = dict(leads.order_by().values("stage_id")
                  .annotate(count=models.Count("pk", distinct=True))
                  .values_list("stage_id", "count"))
    columns = []
    for stage in [*stages, None]:
        cards = list(leads.filter(stage=stage)[:BOARD_CARDS_PER_STAGE]) if stage else list(
            leads.filter(stage__isnull=True)[:BOARD_CARDS_PER_STAGE])
        if stage is None and not cards:
            continue  # leads without a stage get a column only when there are some
        key = stage.pk if stage else None
        columns.append({
            "stage": stage, "label": local_name(stage) if stage else _("No stage"),
            "count": counts.get(key, 0), "more": counts.get(key, 0) > len(cards),
            "list_url": reverse("crm:lead_list") + (f"?stage={stage.pk}" if stage else
                                                     f"?pipeline={pipeline.pk}"),
            "cards": [card_context(lead, stages, can_move) for lead in cards],
        })
    return {"columns": columns, "can_move": can_move}


def card_context(lead: Lead, stages: list[Stage], can_move: bool) -> dict:
    """A card and where it may go: stages with no status, with its own status, or with a
    status the state machine allows next. Lost needs a reason, so it opens its own page."""
    targets, lost_url = [], None
    if can_move:
        allowed = set(services.lead_allowed_targets(lead=lead))
        for stage in stages:
            if stage.pk == lead.stage_id:
                continue
            if stage.status == LeadStatus.LOST:
                if LeadStatus.LOST in allowed:
                    lost_url = reverse("crm:lead_transition", args=[lead.pk, LeadStatus.LOST])
            elif not stage.status or stage.status == lead.status or stage.status in allowed:
                targets.append({"pk": stage.pk, "label": local_name(stage)})
    return {"lead": lead, "targets": targets, "lost_url": lost_url,
            "move_url": reverse("crm:lead_move", args=[lead.pk])}


class LeadMoveView(LeadActionView):
    """Move a card to a stage (lead_move_stage); htmx gets the board back, others a redirect."""

    def post(self, request, *args, **kwargs):
        lead = self.lead()
        form = MoveForm(request.POST, user=request.user)
        if form.is_valid():
            stage = form.cleaned_data["stage"]
            try:
                services.lead_move_stage(lead=lead, stage=stage, actor=request.user,
                                         origin=request_origin(request))
            except (ApplicationError, ValidationError) as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("%(lead)s moved to %(stage)s.")
                                 % {"lead": lead.display_name, "stage": local_name(stage)})
        else:
            messages.error(request, _("Choose a stage to move the lead to."))
        pipeline = Pipeline.objects.filter(pk=lead.pipeline_id).first() or (
            form.cleaned_data["stage"].pipeline if form.is_valid() else None)
        if request.htmx and pipeline is not None:
            context = {"pipeline": pipeline, **board_context(request, pipeline)}
            return render(request, "crm/lead/board_moved.html", context)
        board = reverse("crm:lead_board")
        return HttpResponseRedirect(board + (f"?pipeline={pipeline.pk}" if pipeline else ""))


# --- activities ----------------------------------------------------------------------------


class ActivityMixin:
    model = Activity


def entity_url(entity_type: str, entity_id: int) -> str | None:
    name = {ActivityEntity.LEAD: "crm:lead_detail", ActivityEntity.CUSTOMER:
            "crm:customer_detail", ActivityEntity.CASE: "crm:case_detail"}.get(entity_type)
    return reverse(name, args=[entity_id]) if name and entity_id else None


class ActivityListView(ActivityMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(
        ActivityFilter, fields=["type", "entity_type", "outcome", "performed_by", "start_date",
                                "end_date"], references={"performed_by": user_choices})
    api_list_url_name = "crm-api:activity-list"
    search_fields = ActivityFilter.search_fields
    sort_fields = {"performedAt": "performed_at", "type": "type"}
    default_sort = "-performed_at"
    select_related = ("performed_by",)
    columns = [
        Column(_("When"), "performed_at", sort="performedAt", link=True),
        Column(_("Type"), "type", sort="type", link=True),
        Column(_("Subject"), "subject"),
        Column(_("About"), lambda row: activity_about(row)),
        Column(_("Outcome"), "outcome"),
        Column(_("By"), "performed_by"),
    ]


    def get_queryset(self):
        # The record's name in the same query (an activity points at a lead, customer or case).
        record = {
            ActivityEntity.LEAD: Lead.objects.annotate(label=Coalesce(NullIf(Trim(Concat(
                "first_name", Value(" "), "last_name")), Value("")), "company")),
            ActivityEntity.CUSTOMER: Customer.objects.annotate(label=F("name")),
            ActivityEntity.CASE: Case.objects.annotate(label=F("number")),
        }
        return super().get_queryset().annotate(entity_label=models.Case(
            *(models.When(entity_type=kind, then=Subquery(rows.filter(
                pk=OuterRef("entity_id")).values("label")[:1]))
              for kind, rows in record.items()),
            default=Value(""), output_field=models.CharField()))


def activity_about(activity: Activity):
    label = getattr(activity, "entity_label", "") or f"#{activity.entity_id}"
    url = entity_url(activity.entity_type, activity.entity_id)
    kind = activity.get_entity_type_display()
    if url:
        return format_html('{}: <a href="{}" dir="auto">{}</a>', kind, url, label)
    return f"{kind}: {label}"


class ActivityDetailView(ActivityMixin, CrmMixin, StaffDetailView):
    template_name = "crm/activity_detail.html"
    select_related = ("performed_by",)
    fields = [
        Column(_("Type"), "type"),
        Column(_("About"), "entity_type"),
        Column(_("Subject"), "subject"),
        Column(_("When"), "performed_at"),
        Column(_("Duration (minutes)"), "duration"),
        Column(_("Outcome"), "outcome"),
        Column(_("By"), "performed_by"),
        Column(_("Due date"), "due_date"),
        Column(_("Completed at"), "completed_at"),
        Column(_("Notes"), "notes"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["entity_url"] = entity_url(self.object.entity_type, self.object.entity_id)
        context["delete_url"] = (self.url("delete", self.object.pk)
                                 if self.can("crm.delete_activity") else None)
        return context


class ActivityFormView(ActivityMixin, CrmMixin, StaffFormView):
    form_class = ActivityForm

    def save(self, form) -> Activity:
        changes, actor = form.changes(), self.request.user
        if self.object is None:
            changes["performed_at"] = changes.get("performed_at") or None
            return services.activity_log(firm=self.firm(), actor=actor,
                                         origin=request_origin(self.request), **changes)
        return services.activity_update(activity=self.object, actor=actor, **changes)


class ActivityDeleteView(ActivityMixin, CrmMixin, StaffDeleteView):
    def perform(self, obj: Activity) -> str:
        back = entity_url(obj.entity_type, obj.entity_id)
        services.activity_delete(activity=obj, actor=self.request.user)
        return back or self.url("list")


# --- campaigns -----------------------------------------------------------------------------


class CampaignMixin:
    model = Campaign


class CampaignListView(CampaignMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(
        CampaignFilter, fields=["status", "platform", "type", "sales_person", "start_date",
                                "end_date"],
        references={"sales_person": SALES_PERSON_ROWS})
    api_list_url_name = "crm-api:campaign-list"
    search_fields = CampaignFilter.search_fields
    sort_fields = {"title": "title", "budget": "budget", "startDate": "start_date",
                   "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("sales_person__user",)
    columns = [
        Column(_("Title"), "title", sort="title", link=True),
        Column(_("Platform"), "platform"),
        Column(_("Type"), "type"),
        Column(_("Sales person"), "sales_person"),
        Column(_("Budget"), "budget", sort="budget"),
        Column(_("Start date"), "start_date", sort="startDate"),
        Column(_("End date"), "end_date"),
        Column(_("Status"), lambda row: status_badge(row.status, row.get_status_display())),
    ]

    def get_queryset(self):
        return super().get_queryset().alive()  # deleted campaigns stay readable by id only


class CampaignDetailView(CampaignMixin, CrmMixin, StaffDetailView):
    template_name = "crm/campaign_detail.html"
    select_related = ("sales_person__user",)
    fields = [
        Column(_("Title"), "title"),
        Column(_("Platform"), "platform"),
        Column(_("Type"), "type"),
        Column(_("URL"), "url"),
        Column(_("Sales person"), "sales_person"),
        Column(_("Budget"), "budget"),
        Column(_("Start date"), "start_date"),
        Column(_("End date"), "end_date"),
        Column(_("Deleted at"), "deleted_at"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        campaign = self.object
        deleted = campaign.deleted_at is not None
        if deleted:
            context["edit_url"] = None  # a deleted campaign cannot be changed
        context["delete_url"] = (self.url("delete", campaign.pk)
                                 if self.can("crm.delete_campaign") and not deleted else None)
        context["leads"] = (list(scope_for(campaign.leads.all(), user=self.request.user)
                                 .select_related("assigned_to")[:100])
                            if self.can("crm.view_lead") else None)
        return context


class CampaignFormView(CampaignMixin, CrmMixin, StaffFormView):
    form_class = CampaignForm

    def get_queryset(self):
        return super().get_queryset().alive()

    def save(self, form) -> Campaign:
        if self.object is None:
            return services.campaign_create(firm=self.firm(), actor=self.request.user,
                                            **form.changes())
        return services.campaign_update(campaign=self.object, actor=self.request.user,
                                        **form.changes())


class CampaignDeleteView(CampaignMixin, CrmMixin, StaffDeleteView):
    def get_queryset(self):
        return super().get_queryset().alive()

    def perform(self, obj: Campaign) -> str:
        services.campaign_delete(campaign=obj, actor=self.request.user)
        return self.url("list")


# --- cases ---------------------------------------------------------------------------------


class CaseMixin:
    model = Case


class CaseListView(CaseMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(CaseFilter, fields=["status", "start_date", "end_date"])
    api_list_url_name = "crm-api:case-list"
    search_fields = CaseFilter.search_fields
    sort_fields = {"number": "number", "title": "title", "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("customer",)
    columns = [
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Title"), "title", sort="title", link=True),
        Column(_("Customer"), "customer"),
        Column(_("Practice area"), "practice_area"),
        Column(_("Case type"), "case_type"),
        Column(_("Status"), lambda row: status_badge(row.status, row.get_status_display())),
        Column(_("Created"), "created_at", sort="createdAt"),
    ]


class CaseDetailView(CaseMixin, CrmMixin, StaffDetailView):
    template_name = "crm/case_detail.html"
    select_related = ("customer", "lead")
    fields = [
        Column(_("Number"), "number"),
        Column(_("Title"), "title"),
        Column(_("Customer"), "customer"),
        Column(_("Lead"), "lead"),
        Column(_("Practice area"), "practice_area"),
        Column(_("Case type"), "case_type"),
        Column(_("Status"), "status"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        case = self.object
        context.update({
            "customer_url": (reverse("crm:customer_detail", args=[case.customer_id])
                             if case.customer_id and self.can("crm.view_customer") else None),
            "lead_url": (reverse("crm:lead_detail", args=[case.lead_id])
                         if case.lead_id and self.can("crm.view_lead") else None),
            "activities": entity_activities(ActivityEntity.CASE, case)
            if self.can("crm.view_activity") else None,
            "activity_create_url": activity_create_url(ActivityEntity.CASE, case, self.request),
        })
        return context


class CaseFormView(CaseMixin, CrmMixin, StaffFormView):
    form_class = CaseForm
    formset_labels = {"parties": _("Parties")}

    def get_formsets(self):
        initial = list(self.object.parties) if self.object else []
        return {"parties": PartyFormSet(prefix="parties", initial=initial,
                                        **self.formset_kwargs())}

    def save(self, form) -> Case:
        parties, self.row_forms["parties"] = formset_rows(self.formsets["parties"],
                                                          ["name", "role"])
        changes = {**form.changes(), "parties": parties}
        if self.object is None:
            return services.case_create(firm=self.firm(), actor=self.request.user, **changes)
        return services.case_update(case=self.object, actor=self.request.user, **changes)


class CaseDeleteView(CaseMixin, CrmMixin, StaffDeleteView):
    delete_note = _("Its activities are deleted with it; the conflict check no longer finds "
                    "its parties.")

    def perform(self, obj: Case) -> str:
        services.case_delete(case=obj, actor=self.request.user)
        return self.url("list")


# --- sales organisation and reference data -------------------------------------------------


class SalesTeamMixin:
    model = SalesTeam


class SalesTeamListView(SalesTeamMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(SalesTeamFilter, fields=["manager", "is_active"],
                                  references={"manager": user_choices})
    api_list_url_name = "crm-api:salesteam-list"
    search_fields = SalesTeamFilter.search_fields
    sort_fields = {"name": "name"}
    default_sort = "name"
    select_related = ("manager",)
    related_links = [(_("Sales persons"), "crm:salesperson_list", "crm.view_salesperson"),
                     (_("Territories"), "crm:territory_list", "crm.view_territory")]
    columns = [
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Manager"), "manager"),
        Column(_("Members"), lambda team: team.member_count),
        Column(_("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(member_count=models.Count("members"))


class SalesTeamDetailView(SalesTeamMixin, CrmMixin, StaffDetailView):
    template_name = "crm/salesteam_detail.html"
    select_related = ("manager",)
    fields = [
        Column(_("Name"), "name"),
        Column(_("Arabic name"), "name_ar"),
        Column(_("Manager"), "manager"),
        Column(_("Active"), "is_active"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["members"] = list(self.object.members.select_related("user", "territory"))
        return context


class SalesTeamFormView(SalesTeamMixin, ReferenceFormView):
    form_class = SalesTeamForm


class SalesPersonMixin:
    model = SalesPerson


class SalesPersonListView(SalesPersonMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(SalesPersonFilter, fields=["team", "territory", "is_active"],
                                  references={"team": reference_choices(SalesTeam),
                                              "territory": reference_choices(Territory)})
    api_list_url_name = "crm-api:salesperson-list"
    search_fields = SalesPersonFilter.search_fields
    sort_fields = {"name": "user__first_name", "commissionRate": "commission_rate"}
    default_sort = "user__first_name"
    select_related = ("user", "team", "territory")
    related_links = [(_("Sales teams"), "crm:salesteam_list", "crm.view_salesteam")]
    columns = [
        Column(_("Name"), "user", sort="name", link=True),
        Column(_("Team"), lambda row: local_name(row.team) if row.team else ""),
        Column(_("Territory"), lambda row: local_name(row.territory) if row.territory else ""),
        Column(_("Commission rate (%)"), "commission_rate", sort="commissionRate"),
        Column(_("Active"), "is_active"),
    ]


class SalesPersonDetailView(SalesPersonMixin, CrmMixin, StaffDetailView):
    template_name = "crm/salesperson_detail.html"
    select_related = ("user", "team", "territory")
    fields = [
        Column(_("User"), "user"),
        Column(_("Email"), "user.email"),
        Column(_("Team"), "team"),
        Column(_("Territory"), "territory"),
        Column(_("Commission rate (%)"), "commission_rate"),
        Column(_("Active"), "is_active"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["campaigns"] = (list(scope_for(self.object.campaigns.alive(),
                                               user=self.request.user))
                                if self.can("crm.view_campaign") else None)
        return context


class SalesPersonFormView(SalesPersonMixin, CrmMixin, StaffFormView):
    form_class = SalesPersonForm

    def save(self, form) -> SalesPerson:
        return services.sales_person_save(firm=self.firm(), actor=self.request.user,
                                          sales_person=self.object, **form.changes())


class SalesPersonDeleteView(SalesPersonMixin, CrmMixin, StaffDeleteView):
    delete_note = _("The user keeps their account. A sales person who runs campaigns cannot "
                    "be deleted.")

    def perform(self, obj: SalesPerson) -> str:
        services.sales_person_delete(sales_person=obj, actor=self.request.user)
        return self.url("list")


class CustomerGroupMixin:
    model = CustomerGroup


class CustomerGroupListView(CustomerGroupMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(CustomerGroupFilter, fields=[])
    api_list_url_name = "crm-api:customergroup-list"
    search_fields = CustomerGroupFilter.search_fields
    sort_fields = {"name": "name"}
    default_sort = "name"
    related_links = [(_("Customers"), "crm:customer_list", "crm.view_customer")]
    columns = [
        Column(_("Name"), "name", sort="name", link=True),
        Column(_("Arabic name"), "name_ar"),
        Column(_("Customers"), lambda group: group.customer_count),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(customer_count=models.Count("customers"))


class CustomerGroupDetailView(CustomerGroupMixin, CrmMixin, StaffDetailView):
    fields = [Column(_("Name"), "name"), Column(_("Arabic name"), "name_ar"),
              Column(_("Description"), "description")]


class CustomerGroupFormView(CustomerGroupMixin, ReferenceFormView):
    form_class = CustomerGroupForm


class TerritoryMixin:
    model = Territory


class TerritoryListView(TerritoryMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(TerritoryFilter, fields=[])
    api_list_url_name = "crm-api:territory-list"
    search_fields = TerritoryFilter.search_fields
    sort_fields = {"code": "code", "name": "name"}
    default_sort = "name"
    related_links = [(_("Customers"), "crm:customer_list", "crm.view_customer"),
                     (_("Sales persons"), "crm:salesperson_list", "crm.view_salesperson")]
    columns = [
        Column(_("Code"), "code", sort="code", link=True),
        Column(_("Name"), "name", sort="name", link=True),
        Column(_("Arabic name"), "name_ar"),
    ]


class TerritoryDetailView(TerritoryMixin, CrmMixin, StaffDetailView):
    fields = [Column(_("Code"), "code"), Column(_("Name"), "name"),
              Column(_("Arabic name"), "name_ar")]


class TerritoryFormView(TerritoryMixin, ReferenceFormView):
    form_class = TerritoryForm


class PipelineMixin:
    model = Pipeline


class PipelineListView(PipelineMixin, CrmMixin, StaffListView):
    filterset_class = PageFilter(PipelineFilter, fields=["is_active", "is_default"])
    api_list_url_name = "crm-api:pipeline-list"
    search_fields = PipelineFilter.search_fields
    sort_fields = {"name": "name"}
    default_sort = "name"
    related_links = [(_("Pipeline board"), "crm:lead_board", "crm.view_lead")]
    columns = [
        Column(_("Name"), local_name, sort="name", link=True),
        Column(_("Stages"), lambda pipeline: pipeline.stage_count),
        Column(_("Default"), "is_default"),
        Column(_("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(stage_count=models.Count("stages"))


class PipelineDetailView(PipelineMixin, CrmMixin, StaffDetailView):
    template_name = "crm/pipeline_detail.html"
    fields = [Column(_("Name"), "name"), Column(_("Arabic name"), "name_ar"),
              Column(_("Default"), "is_default"), Column(_("Active"), "is_active")]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["stages"] = list(self.object.stages.annotate(lead_count=models.Count("leads")))
        context["board_url"] = (reverse("crm:lead_board") + f"?pipeline={self.object.pk}"
                                if self.can("crm.view_lead") else None)
        return context


class PipelineFormView(PipelineMixin, CrmMixin, StaffFormView):
    form_class = PipelineForm
    formset_labels = {"stages": _("Stages, in order")}

    def get_formsets(self):
        initial = ([{"id": stage.pk, "name": stage.name, "name_ar": stage.name_ar,
                     "probability": format(stage.probability.normalize(), "f"),
                     "status": stage.status,
                     "ORDER": index + 1}
                    for index, stage in enumerate(self.object.stages.all())]
                   if self.object else [])
        return {"stages": StageFormSet(prefix="stages", initial=initial,
                                       **self.formset_kwargs())}

    def save(self, form) -> Pipeline:
        stages, self.row_forms["stages"] = formset_rows(self.formsets["stages"], STAGE_FIELDS)
        return services.pipeline_save(firm=self.firm(), actor=self.request.user,
                                      pipeline=self.object, stages=stages, **form.changes())


class PipelineDeleteView(PipelineMixin, CrmMixin, StaffDeleteView):
    delete_note = _("Its stages are deleted with it. A pipeline with leads in it cannot be "
                    "deleted.")

    def perform(self, obj: Pipeline) -> str:
        services.pipeline_delete(pipeline=obj, actor=self.request.user)
        return self.url("list")


# --- notifications ---------------------------------------------------------------------------


class NotificationListView(CrmMixin, StaffMixin, generic.ListView):
    """The caller's notifications, unread first, in the reader's language."""

    model = Notification
    template_name = "crm/notification_list.html"
    paginate_by = 25
    permission_required = "crm.view_notification"

    def get_queryset(self):
        return super().get_queryset().order_by(models.F("read_at").desc(nulls_first=True),
                                               "-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        arabic = get_language() == "ar"
        context["notifications"] = [{
            "object": row, "unread": row.read_at is None,
            "title": (row.title_ar if arabic and row.title_ar else row.title),
            "message": (row.message_ar if arabic and row.message_ar else row.message),
            "url": entity_url(row.entity_type, row.entity_id),
        } for row in context["object_list"]]
        context["unread_count"] = scope_for(Notification.objects.all(),
                                            user=self.request.user).unread().count()
        context["can_mark"] = self.can("crm.change_notification")
        return context


class NotificationMarkReadView(CrmMixin, StaffMixin, View):
    """POST `ids` (one or more) marks those read; notification_mark_all_read marks every one."""

    model = Notification
    http_method_names = ["post"]
    permission_required = "crm.change_notification"
    mark_all = False

    def post(self, request, *args, **kwargs):
        ids = None
        if not self.mark_all:
            ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
        count = services.notifications_mark_read(user=request.user, ids=ids)
        messages.success(request, _("%(count)s marked read.") % {"count": count})
        return HttpResponseRedirect(safe_next(request, reverse("crm:notification_list")))
