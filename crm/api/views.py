"""crm API: parse, call crm.services, present (architecture §5.2). Paths and keys per
docs/api.md."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action

from core.api.viewsets import BaseViewSet, ListMixin, RecordViewSet
from core.i18n import lazy_format
from core.services import request_origin

from .. import filters, services
from ..choices import ActivityEntity, LeadStatus
from ..models import (
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
from . import serializers as s

# The summary shows the latest activities; the full list is GET /activities?entityType=lead.
SUMMARY_ACTIVITIES = 50




class CrmViewSet(RecordViewSet):
    """A crm resource; writes also carry the request's origin (the lead log keeps it)."""

    def origin(self) -> dict:
        return request_origin(self.request)


def _unchanged_dropped(data: dict, instance, names: tuple[str, ...]) -> dict:
    """Leave out fields a PUT repeats unchanged but the service lets change only through its
    own action (a changed value still reaches the service, which refuses it)."""
    return {name: value for name, value in data.items()
            if not (name in names and value == getattr(instance, name))}


# --- sales organisation -------------------------------------------------------------------


class CustomerGroupViewSet(CrmViewSet):
    queryset = CustomerGroup.objects.all()
    serializer_class = s.CustomerGroupSerializer
    filterset_class = filters.CustomerGroupFilter
    resource_key, data_key_plural = "customer_group", "customer_groups"
    sort_fields = {"createdAt": "created_at", "name": "name"}
    default_sort = "name"


class TerritoryViewSet(CrmViewSet):
    queryset = Territory.objects.all()
    serializer_class = s.TerritorySerializer
    filterset_class = filters.TerritoryFilter
    resource_key, data_key_plural = "territory", "territories"
    sort_fields = {"createdAt": "created_at", "name": "name", "code": "code"}
    default_sort = "name"


class SalesTeamViewSet(CrmViewSet):
    queryset = SalesTeam.objects.all()
    serializer_class = s.SalesTeamSerializer
    filterset_class = filters.SalesTeamFilter
    resource_key, data_key_plural = "sales_team", "sales_teams"
    sort_fields = {"createdAt": "created_at", "name": "name"}
    default_sort = "name"


class SalesPersonViewSet(CrmViewSet):
    queryset = SalesPerson.objects.select_related("user")
    serializer_class = s.SalesPersonSerializer
    filterset_class = filters.SalesPersonFilter
    resource_key, data_key_plural = "sales_person", "sales_persons"
    sort_fields = {"createdAt": "created_at", "commissionRate": "commission_rate",
                   "name": "user__first_name"}

    def perform_create(self, serializer):
        return services.sales_person_save(firm=self.firm, actor=self.actor,
                                          **serializer.validated_data)

    def perform_update(self, serializer):
        return services.sales_person_save(firm=self.firm, actor=self.actor,
                                          sales_person=serializer.instance,
                                          **serializer.validated_data)

    def perform_destroy(self, instance):
        services.sales_person_delete(sales_person=instance, actor=self.actor)


# --- customers and cases ------------------------------------------------------------------


class CustomerViewSet(CrmViewSet):
    """Customers with their addresses and contacts; a nested list given replaces the current
    one (entries with an id are kept and edited, new ones added, missing ones removed).
    DELETE answers 409 `protected`, naming what refers to the customer, while anything does."""

    queryset = Customer.objects.prefetch_related("addresses", "contacts")
    serializer_class = s.CustomerSerializer
    filterset_class = filters.CustomerFilter
    resource_key, data_key_plural = "customer", "customers"
    sort_fields = {"createdAt": "created_at", "name": "name", "code": "code",
                   "creditLimit": "credit_limit"}
    default_sort = "name"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        return services.customer_create(firm=self.firm, actor=self.actor,
                                        addresses=_rows(data.pop("addresses", None)),
                                        contacts=_rows(data.pop("contacts", None)), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        return services.customer_update(customer=serializer.instance, actor=self.actor,
                                        addresses=_rows(data.pop("addresses", None)),
                                        contacts=_rows(data.pop("contacts", None)), **data)

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance, actor=self.actor)


def _rows(rows: list | None) -> list[dict] | None:
    return None if rows is None else [dict(row) for row in rows]


class CaseViewSet(CrmViewSet):
    queryset = Case.objects.all()
    serializer_class = s.CaseSerializer
    filterset_class = filters.CaseFilter
    resource_key, data_key_plural = "case", "cases"
    sort_fields = {"createdAt": "created_at", "number": "number", "title": "title"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if "parties" in data:
            data["parties"] = _rows(data["parties"])
        return services.case_create(firm=self.firm, actor=self.actor, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "parties" in data:
            data["parties"] = _rows(data["parties"])
        return services.case_update(case=serializer.instance, actor=self.actor, **data)

    def perform_destroy(self, instance):
        services.case_delete(case=instance, actor=self.actor)


# --- pipelines and campaigns --------------------------------------------------------------


class PipelineViewSet(CrmViewSet):
    """Pipelines with their ordered stages. A pipeline that leads use cannot be deleted."""

    queryset = Pipeline.objects.prefetch_related("stages")
    serializer_class = s.PipelineSerializer
    filterset_class = filters.PipelineFilter
    resource_key, data_key_plural = "pipeline", "pipelines"
    sort_fields = {"createdAt": "created_at", "name": "name"}
    default_sort = "name"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        return services.pipeline_save(firm=self.firm, actor=self.actor,
                                      stages=_rows(data.pop("stages", None)), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        return services.pipeline_save(firm=self.firm, actor=self.actor,
                                      pipeline=serializer.instance,
                                      stages=_rows(data.pop("stages", None)), **data)

    def perform_destroy(self, instance):
        services.pipeline_delete(pipeline=instance, actor=self.actor)


class CampaignViewSet(CrmViewSet):
    """Campaigns; the sales person is fixed at creation. DELETE is soft: the campaign leaves
    the list but stays readable by id, with deletedAt."""

    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    filterset_class = filters.CampaignFilter
    resource_key, data_key_plural = "campaign", "campaigns"
    sort_fields = {"createdAt": "created_at", "title": "title", "budget": "budget",
                   "startDate": "start_date"}

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.alive() if self.action == "list" else queryset

    def perform_create(self, serializer):
        return services.campaign_create(firm=self.firm, actor=self.actor,
                                        **serializer.validated_data)

    def perform_update(self, serializer):
        return services.campaign_update(campaign=serializer.instance, actor=self.actor,
                                        **serializer.validated_data)

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance, actor=self.actor)


# --- leads --------------------------------------------------------------------------------


LEAD_ACTION_KEYS = {"score": "score", "summary": "summary", "check_conflicts": "conflict_check"}
CHANGE_LEAD, VIEW_LEAD = ["crm.change_lead"], ["crm.view_lead"]


class LeadViewSet(CrmViewSet):
    """Leads; status, stage and assignee change only through their actions (business-rules §4)."""

    queryset = Lead.objects.prefetch_related("team_members")
    serializer_class = s.LeadSerializer
    filterset_class = filters.LeadFilter
    resource_key, data_key_plural = "lead", "leads"
    action_keys = LEAD_ACTION_KEYS
    sort_fields = {"createdAt": "created_at", "score": "score",
                   "estimatedValue": "estimated_value", "expectedCloseDate": "expected_close_date",
                   "lastName": "last_name", "company": "company", "status": "status",
                   "nextFollowUpDate": "next_follow_up_date"}
    required_permissions = {
        "transition": CHANGE_LEAD, "move_stage": CHANGE_LEAD, "conflict_check": CHANGE_LEAD,
        "assign": ["crm.assign_lead"], "score": VIEW_LEAD, "summary": VIEW_LEAD,
        "check_conflicts": VIEW_LEAD,
    }

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        team = _team(data.pop("team_members", None))
        return services.lead_create(firm=self.firm, actor=self.actor, origin=self.origin(),
                                    team=team, **data)

    def perform_update(self, serializer):
        lead = serializer.instance
        data = _unchanged_dropped(dict(serializer.validated_data), lead,
                                  ("assigned_to", "stage"))
        team = _team(data.pop("team_members", None))
        return services.lead_update(lead=lead, actor=self.actor, origin=self.origin(),
                                    team=team, **data)

    def perform_destroy(self, instance):
        services.lead_delete(lead=instance, actor=self.actor)

    @extend_schema(request=s.LeadTransitionSerializer, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the lead to another status (business-rules §4); lost needs a reason."""
        payload = self.input_data(s.LeadTransitionSerializer)
        lead = services.lead_transition(lead=self.get_object(), target=payload["status"],
                                        actor=self.actor, reason=payload["reason"],
                                        origin=self.origin())
        return self.one(lead, message=lazy_format(_("Lead moved to %(status)s"),
                                                  status=LeadStatus(lead.status).label))

    @extend_schema(request=s.LeadMoveStageSerializer, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"], url_path="move-stage")
    def move_stage(self, request, pk=None):
        """Put the lead in a stage of its pipeline (the board); a status stage runs that
        transition."""
        payload = self.input_data(s.LeadMoveStageSerializer)
        lead = services.lead_move_stage(lead=self.get_object(), stage=payload["stage"],
                                        actor=self.actor, reason=payload["reason"],
                                        origin=self.origin())
        return self.one(lead, message=lazy_format(_("Lead moved to %(stage)s"),
                                                  stage=payload["stage"].name))

    @extend_schema(request=s.LeadAssignSerializer, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the lead to a user of the firm (null: to nobody); the assignee is notified."""
        payload = self.input_data(s.LeadAssignSerializer)
        lead = services.lead_assign(lead=self.get_object(), user=payload["user"],
                                    actor=self.actor, origin=self.origin())
        return self.one(lead, message=_("Lead assigned successfully"))

    @extend_schema(request=None, responses=s.LeadSerializer)
    @action(detail=True, methods=["post"], url_path="conflict-check")
    def conflict_check(self, request, pk=None):
        """Run the conflict check on the lead and store its result (conflictResult)."""
        lead = services.lead_conflict_check(lead=self.get_object(), actor=self.actor,
                                            origin=self.origin())
        return self.one(lead, message=_("Conflict check completed"))

    @extend_schema(request=s.ConflictCheckInputSerializer, responses=s.ConflictCheckSerializer,
                   operation_id="leads_conflict_check_data")
    @action(detail=False, methods=["post"], url_path="conflict-check")
    def check_conflicts(self, request):
        """Check lead data for conflicts of interest without saving anything."""
        payload = self.input_data(s.ConflictCheckInputSerializer)
        result = services.conflict_check(firm=self.firm, data=payload)
        return self.envelope({"conflict_check": s.ConflictCheckSerializer(result).data},
                             message=_("Conflict check completed"))

    @extend_schema(responses=s.LeadScoreSerializer)
    @action(detail=True, methods=["get"])
    def score(self, request, pk=None):
        """The lead's score and every part of it (business-rules §3)."""
        parts = services.lead_score_parts(lead=self.get_object())
        return self.envelope({"score": s.LeadScoreSerializer(parts.as_dict()).data})

    @extend_schema(responses=s.LeadSummarySerializer)
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """The lead, its score parts, latest activities, timeline and customer in one call."""
        lead = self.get_object()
        activities = Activity.objects.filter(
            firm_id=lead.firm_id, entity_type=ActivityEntity.LEAD, entity_id=lead.pk,
        ).order_by("-performed_at", "-pk")[:SUMMARY_ACTIVITIES]
        customer = (Customer.objects.prefetch_related("addresses", "contacts")
                    .filter(pk=lead.customer_id).first() if lead.customer_id else None)
        summary = {
            "lead": lead,
            "score": services.lead_score_parts(lead=lead).as_dict(),
            "activities": activities,
            "timeline": lead.transactions.select_related("actor").order_by("created_at", "pk"),
            "customer": customer,
        }
        return self.envelope({"summary": s.LeadSummarySerializer(
            summary, context=self.get_serializer_context()).data})


def _team(members: list | None) -> list[dict] | None:
    if members is None:
        return None
    return [{"user": member["user"], "split_percent": member.get("split_percent")}
            for member in members]


# --- activities ---------------------------------------------------------------------------


class ActivityViewSet(CrmViewSet):
    """Calls, e-mails, meetings... logged on a lead, quote, customer or case."""

    queryset = Activity.objects.all()
    serializer_class = s.ActivitySerializer
    filterset_class = filters.ActivityFilter
    resource_key, data_key_plural = "activity", "activities"
    sort_fields = {"createdAt": "created_at", "performedAt": "performed_at",
                   "dueDate": "due_date", "type": "type"}
    default_sort = "-performed_at"

    def perform_create(self, serializer):
        return services.activity_log(firm=self.firm, actor=self.actor, origin=self.origin(),
                                     **serializer.validated_data)

    def perform_update(self, serializer):
        activity = serializer.instance
        data = _unchanged_dropped(dict(serializer.validated_data), activity,
                                  ("entity_type", "entity_id"))
        return services.activity_update(activity=activity, actor=self.actor, **data)

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance, actor=self.actor)


# --- notifications ------------------------------------------------------------------------


class NotificationViewSet(ListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          BaseViewSet):
    """The caller's own notifications (never another user's): read them, mark them read."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    filterset_class = filters.NotificationFilter
    data_key_plural = "notifications"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "type": "type"}
    required_permissions = {"read": ["crm.change_notification"],
                            "read_all": ["crm.change_notification"]}

    @property
    def data_key(self) -> str:
        return "count" if getattr(self, "action", None) == "read_all" else "notification"

    def retrieve(self, request, *args, **kwargs):
        return self.one(self.get_object())

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the notification read (reading it twice changes nothing)."""
        notification = self.get_object()
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return self.one(notification, message=_("Notification marked as read"))

    @extend_schema(request=None, responses={status.HTTP_200_OK: OpenApiTypes.INT})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the caller read; answers how many changed."""
        count = services.notifications_mark_read(user=request.user)
        return self.envelope({"count": count},
                             message=_("All notifications marked as read"))

