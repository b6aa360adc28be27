from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from core.choices import PaymentTerms
from core.fields import PERCENT, money_field, unique_per_firm
from core.models import AuditedModel, DocumentModel, TenantModel

from . import choices
from .querysets import (
    ActivityQuerySet,
    CampaignQuerySet,
    CaseQuerySet,
    CustomerQuerySet,
    LeadQuerySet,
    NotificationQuerySet,
)

# --- sales organisation -------------------------------------------------------------------


class CustomerGroup(AuditedModel):
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name"]
        constraints = [unique_per_firm("name", name="crm_customergroup_name_unique")]

    def __str__(self) -> str:
        return self.name


class Territory(AuditedModel):
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]
        constraints = [unique_per_firm("code", name="crm_territory_code_unique")]

    def __str__(self) -> str:
        return self.name


class SalesTeam(AuditedModel):
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("manager"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="managed_teams")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        ordering = ["name"]
        constraints = [unique_per_firm("name", name="crm_salesteam_name_unique")]

    def __str__(self) -> str:
        return self.name


class SalesPerson(AuditedModel):
    """A user who sells: their team, territory and personal commission rate."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.PROTECT, related_name="sales_person")
    team = models.ForeignKey(SalesTeam, verbose_name=_("team"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="members")
    territory = models.ForeignKey(Territory, verbose_name=_("territory"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="sales_persons")
    commission_rate = models.DecimalField(_("commission rate (%)"), max_digits=7,
                                          decimal_places=4, default=Decimal("0"),
                                          validators=PERCENT)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales person")
        verbose_name_plural = _("sales persons")
        ordering = ["user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(condition=Q(commission_rate__gte=0, commission_rate__lte=100),
                                   name="crm_salesperson_rate_0_100"),
        ]

    def __str__(self) -> str:
        return str(self.user)


# --- customers ----------------------------------------------------------------------------


class Customer(AuditedModel):
    """A client of the firm (the spec's "Client")."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=choices.CustomerType.choices,
                            default=choices.CustomerType.COMPANY)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    customer_group = models.ForeignKey(CustomerGroup, verbose_name=_("customer group"),
                                       on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="customers")
    territory = models.ForeignKey(Territory, verbose_name=_("territory"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="customers")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_customers")
    source = models.CharField(_("source"), max_length=20, choices=choices.Source.choices,
                              blank=True)
    credit_limit = money_field(_("credit limit"))
    # The list the price resolver uses for this customer unless a document names another.
    default_price_list = models.ForeignKey("pricing.PriceList",
                                           verbose_name=_("default price list"),
                                           on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="default_for_customers")
    payment_terms = models.CharField(_("payment terms"), max_length=20,
                                     choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [unique_per_firm("code", name="crm_customer_code_unique")]
        indexes = [models.Index(fields=["firm", "name"], name="crm_customer_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


class CustomerAddress(TenantModel):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="addresses")
    kind = models.CharField(_("kind"), max_length=10, choices=choices.AddressKind.choices,
                            default=choices.AddressKind.BILLING)
    line1 = models.CharField(_("address"), max_length=200)
    line1_ar = models.CharField(_("Arabic address"), max_length=200, blank=True)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    city_ar = models.CharField(_("Arabic city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="SA")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True, validators=[MinValueValidator(-90),
                                                           MaxValueValidator(90)])
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True, validators=[MinValueValidator(-180),
                                                            MaxValueValidator(180)])
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "-is_default", "pk"]

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}"


class CustomerContact(TenantModel):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    name_ar = models.CharField(_("Arabic name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Case(AuditedModel):
    """A legal matter, kept for conflict checks."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="cases")
    lead = models.ForeignKey("Lead", verbose_name=_("lead"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="cases")
    practice_area = models.CharField(_("practice area"), max_length=100, blank=True)
    case_type = models.CharField(_("case type"), max_length=100, blank=True)
    # [{"name": "...", "role": "plaintiff"}]; validated by the service.
    parties = models.JSONField(_("parties"), default=list, blank=True)
    related_entities = models.JSONField(_("related entities"), default=list, blank=True)
    # Party names and related entities in one column, kept by the case services, so the
    # conflict check searches (and indexes) text instead of JSON.
    search_text = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=choices.CaseStatus.choices,
                              default=choices.CaseStatus.OPEN)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [unique_per_firm("number", name="crm_case_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class StaffRelationship(AuditedModel):
    """A staff member's declared tie to an outside person or company (conflict checks)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"),
                             on_delete=models.CASCADE, related_name="relationships")
    related_name = models.CharField(_("person or company"), max_length=200)
    kind = models.CharField(_("relationship"), max_length=20,
                            choices=choices.RelationshipKind.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("staff relationship")
        verbose_name_plural = _("staff relationships")
        ordering = ["related_name"]

    def __str__(self) -> str:
        return f"{self.user}: {self.related_name}"


# --- pipelines and campaigns --------------------------------------------------------------


class Pipeline(AuditedModel):
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "name"]
        constraints = [
            unique_per_firm("name", name="crm_pipeline_name_unique"),
            unique_per_firm(name="crm_pipeline_one_default", condition=Q(is_default=True)),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(TenantModel):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE,
                                 related_name="stages")
    name = models.CharField(_("name"), max_length=120)
    name_ar = models.CharField(_("Arabic name"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    probability = models.DecimalField(_("probability (%)"), max_digits=7, decimal_places=4,
                                      default=Decimal("0"), validators=PERCENT)
    # A stage may stand for a lead status: moving a lead into it runs that transition, and a
    # transition moves the lead into the pipeline's stage for the new status.
    status = models.CharField(_("lead status"), max_length=20,
                              choices=choices.LeadStatus.choices, blank=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "order"], name="crm_stage_order_unique"),
            models.UniqueConstraint(fields=["pipeline", "status"], condition=~Q(status=""),
                                    name="crm_stage_status_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(AuditedModel):
    """A marketing campaign run by one sales person; deleted softly."""

    title = models.CharField(_("title"), max_length=200)
    platform = models.CharField(_("platform"), max_length=20,
                                choices=choices.CampaignPlatform.choices)
    type = models.CharField(_("type"), max_length=20, choices=choices.CampaignType.choices)
    url = models.URLField(_("URL"), blank=True)
    sales_person = models.ForeignKey(SalesPerson, verbose_name=_("sales person"),
                                     on_delete=models.PROTECT, related_name="campaigns")
    budget = money_field(_("budget"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20,
                              choices=choices.CampaignStatus.choices,
                              default=choices.CampaignStatus.ACTIVE)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="crm_campaign_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.title


# --- leads --------------------------------------------------------------------------------


class Lead(DocumentModel):
    """A prospect moving through the lead state machine (business-rules §4) with a score (§3)."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # BANT qualification
    budget = models.CharField(_("budget"), max_length=20, choices=choices.Budget.choices,
                              default=choices.Budget.UNKNOWN)
    authority = models.CharField(_("authority"), max_length=20,
                                 choices=choices.Authority.choices,
                                 default=choices.Authority.UNKNOWN)
    need = models.CharField(_("need"), max_length=20, choices=choices.Need.choices,
                            default=choices.Need.UNKNOWN)
    timeline = models.CharField(_("timeline"), max_length=20, choices=choices.Timeline.choices,
                                default=choices.Timeline.UNKNOWN)
    # value
    estimated_value = money_field(_("estimated value"))
    actual_value = money_field(_("actual value"))
    probability = models.DecimalField(_("probability (%)"), max_digits=7, decimal_places=4,
                                      null=True, blank=True, validators=PERCENT)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    # source
    source = models.CharField(_("source"), max_length=20, choices=choices.Source.choices,
                              blank=True)
    referrer = models.CharField(_("referred by"), max_length=200, blank=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="leads")
    # intake
    practice_area = models.CharField(_("practice area"), max_length=100, blank=True)
    case_type = models.CharField(_("case type"), max_length=100, blank=True)
    opposing_party = models.CharField(_("opposing party"), max_length=200, blank=True)
    intake_notes = models.TextField(_("intake notes"), blank=True)
    # conflict check
    # Set only by the conflict check (crm.services.lead_conflict_check).
    conflict_status = models.CharField(_("conflict check"), max_length=20,
                                       choices=choices.ConflictStatus.choices,
                                       default=choices.ConflictStatus.NOT_CHECKED,
                                       editable=False)
    conflict_result = models.JSONField(_("conflict check result"), default=dict, blank=True,
                                       editable=False, encoder=DjangoJSONEncoder)
    conflict_checked_at = models.DateTimeField(_("conflict checked at"), null=True, blank=True,
                                               editable=False)
    is_vip = models.BooleanField(_("VIP"), default=False)
    # follow-up
    last_contact_date = models.DateTimeField(_("last contact"), null=True, blank=True,
                                             editable=False)
    next_follow_up_date = models.DateField(_("next follow-up"), null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="assigned_leads")
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="leads")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="leads")
    status = FSMField(_("status"), max_length=20, choices=choices.LeadStatus.choices,
                      default=choices.LeadStatus.NEW, protected=True)
    lost_reason = models.TextField(_("lost reason"), blank=True, editable=False)
    is_stale = models.BooleanField(_("stale"), default=False, editable=False)
    stale_reason = models.CharField(_("stale reason"), max_length=200, blank=True,
                                    editable=False)
    stale_notified_at = models.DateTimeField(_("stale notice sent"), null=True, blank=True,
                                             editable=False)
    score = models.PositiveSmallIntegerField(_("score"), default=0, editable=False)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, editable=False)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="leads", editable=False)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        permissions = [("assign_lead", _("Can assign leads to others"))]
        indexes = [
            models.Index(fields=["firm", "status"], name="crm_lead_status_idx"),
            models.Index(fields=["firm", "assigned_to"], name="crm_lead_assigned_idx"),
            models.Index(fields=["firm", "-score"], name="crm_lead_score_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(first_name="", last_name="", company=""),
                                   name="crm_lead_has_a_name"),
            models.CheckConstraint(condition=Q(score__lte=150), name="crm_lead_score_max"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        person = f"{self.first_name} {self.last_name}".strip()
        if person and self.company:
            return f"{person} ({self.company})"
        return person or self.company

    def _close(self) -> None:
        # A closed lead (won, lost, disqualified) waits for nobody: it is not stale
        # (business-rules §12), and the stale job only looks at open statuses, so it stays that way.
        self.is_stale, self.stale_reason, self.stale_notified_at = False, "", None

    # The state machine declares; crm.services.lead_transition performs (architecture §5.5).
    @transition(field=status, source=[choices.LeadStatus.NEW, choices.LeadStatus.NURTURING,
                                      choices.LeadStatus.REOPENED],
                target=choices.LeadStatus.CONTACTED)
    def contact(self) -> None:
        pass

    @transition(field=status, source=[choices.LeadStatus.CONTACTED, choices.LeadStatus.REOPENED],
                target=choices.LeadStatus.QUALIFIED)
    def qualify(self) -> None:
        pass

    @transition(field=status, source=[choices.LeadStatus.QUALIFIED,
                                      choices.LeadStatus.NEGOTIATION],
                target=choices.LeadStatus.PROPOSAL)
    def propose(self) -> None:
        pass

    @transition(field=status, source=choices.LeadStatus.PROPOSAL,
                target=choices.LeadStatus.NEGOTIATION)
    def negotiate(self) -> None:
        pass

    @transition(field=status, source=[choices.LeadStatus.PROPOSAL,
                                      choices.LeadStatus.NEGOTIATION],
                target=choices.LeadStatus.WON)
    def win(self) -> None:
        self._close()

    @transition(field=status, source=[choices.LeadStatus.PROPOSAL,
                                      choices.LeadStatus.NEGOTIATION],
                target=choices.LeadStatus.LOST)
    def lose(self, *, lost_reason: str) -> None:
        self.lost_reason = lost_reason
        self._close()

    @transition(field=status, source=[choices.LeadStatus.NEW, choices.LeadStatus.CONTACTED,
                                      choices.LeadStatus.QUALIFIED, choices.LeadStatus.NURTURING,
                                      choices.LeadStatus.REOPENED],
                target=choices.LeadStatus.DISQUALIFIED)
    def disqualify(self) -> None:
        self._close()

    @transition(field=status, source=[choices.LeadStatus.CONTACTED, choices.LeadStatus.QUALIFIED,
                                      choices.LeadStatus.REOPENED],
                target=choices.LeadStatus.NURTURING)
    def nurture(self) -> None:
        pass

    @transition(field=status, source=[choices.LeadStatus.LOST, choices.LeadStatus.DISQUALIFIED],
                target=choices.LeadStatus.REOPENED)
    def reopen(self) -> None:
        pass


# Target status -> the transition method that reaches it (the API takes a target status).
LEAD_TRANSITIONS = {
    choices.LeadStatus.CONTACTED: "contact",
    choices.LeadStatus.QUALIFIED: "qualify",
    choices.LeadStatus.PROPOSAL: "propose",
    choices.LeadStatus.NEGOTIATION: "negotiate",
    choices.LeadStatus.WON: "win",
    choices.LeadStatus.LOST: "lose",
    choices.LeadStatus.DISQUALIFIED: "disqualify",
    choices.LeadStatus.NURTURING: "nurture",
    choices.LeadStatus.REOPENED: "reopen",
}


class LeadTeamMember(TenantModel):
    """A member of the deal team and their share of the deal (equal shares when unset)."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE,
                             related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.PROTECT, related_name="+")
    split_percent = models.DecimalField(_("split (%)"), max_digits=7, decimal_places=4,
                                        null=True, blank=True, validators=PERCENT)

    class Meta:
        verbose_name = _("deal team member")
        verbose_name_plural = _("deal team members")
        constraints = [models.UniqueConstraint(fields=["lead", "user"],
                                               name="crm_leadteammember_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.split_percent or '='}%)"


class LeadTransaction(TenantModel):
    """The lead's audit log, written in the same transaction as the change."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE,
                             related_name="transactions")
    type = models.CharField(_("type"), max_length=20,
                            choices=choices.LeadTransactionType.choices)
    previous_values = models.JSONField(_("previous values"), default=dict, blank=True,
                                       encoder=DjangoJSONEncoder)
    new_values = models.JSONField(_("new values"), default=dict, blank=True,
                                  encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                              on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True,
                                encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("lead transaction")
        verbose_name_plural = _("lead transactions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.type}"


class Activity(AuditedModel):
    """A call, e-mail, meeting, note or task logged against a lead, quote, customer or case."""

    type = models.CharField(_("type"), max_length=20, choices=choices.ActivityType.choices)
    entity_type = models.CharField(_("about"), max_length=20,
                                   choices=choices.ActivityEntity.choices)
    entity_id = models.PositiveBigIntegerField(_("record"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # Empty for activities the system logs itself (jobs, imports).
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="activities")
    performed_at = models.DateTimeField(_("when"))
    duration = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20,
                               choices=choices.ActivityOutcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-performed_at", "-pk"]
        indexes = [models.Index(fields=["firm", "entity_type", "entity_id", "performed_at"],
                                name="crm_activity_entity_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.subject}".strip()


class Notification(TenantModel):
    """A message to one user, in both languages; e-mailed too when they opted in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(_("type"), max_length=30, choices=choices.NotificationType.choices)
    title = models.CharField(_("title"), max_length=200)
    title_ar = models.CharField(_("Arabic title"), max_length=200)
    message = models.TextField(_("message"))
    message_ar = models.TextField(_("Arabic message"))
    entity_type = models.CharField(_("about"), max_length=20, blank=True)
    entity_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="crm_notification_unread_idx")]

    def __str__(self) -> str:
        return self.title
