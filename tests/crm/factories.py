"""Shared factories for crm rows, each made through the crm services (architecture §5.1).

Every function takes the firm first and keyword overrides of the model fields (snake_case,
model instances for foreign keys). Other apps' tests import these too: keep names stable.
"""

import itertools
from decimal import Decimal

from core.choices import Role
from core.models import Firm, User
from core.services import save_audited
from crm import services
from crm.choices import LeadStatus
from crm.models import (
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
from tests.factories import make_user

_counter = itertools.count(1)

# The default stages of make_pipeline: (name, probability, status).
DEFAULT_STAGES = [
    ("New", "10", LeadStatus.NEW),
    ("Contacted", "20", LeadStatus.CONTACTED),
    ("Qualified", "40", LeadStatus.QUALIFIED),
    ("Proposal", "60", LeadStatus.PROPOSAL),
    ("Negotiation", "80", LeadStatus.NEGOTIATION),
    ("Won", "100", LeadStatus.WON),
    ("Lost", "0", LeadStatus.LOST),
]

# The path through the state machine to reach each status from new.
STATUS_PATHS = {
    LeadStatus.NEW: [],
    LeadStatus.CONTACTED: [LeadStatus.CONTACTED],
    LeadStatus.QUALIFIED: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED],
    LeadStatus.PROPOSAL: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL],
    LeadStatus.NEGOTIATION: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                             LeadStatus.NEGOTIATION],
    LeadStatus.WON: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                     LeadStatus.WON],
    LeadStatus.LOST: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                      LeadStatus.LOST],
    LeadStatus.DISQUALIFIED: [LeadStatus.DISQUALIFIED],
    LeadStatus.NURTURING: [LeadStatus.CONTACTED, LeadStatus.NURTURING],
    LeadStatus.REOPENED: [LeadStatus.DISQUALIFIED, LeadStatus.REOPENED],
}


def _n() -> int:
    return next(_counter)


def make_customer_group(firm: Firm, *, actor: User | None = None, **kw) -> CustomerGroup:
    n = _n()
    fields = {"name": f"Group {n}", "name_ar": f"مجموعة {n}", **kw}
    return save_audited(CustomerGroup(firm=firm, **fields), actor=actor, reason="created")


def make_territory(firm: Firm, *, actor: User | None = None, **kw) -> Territory:
    n = _n()
    fields = {"code": f"T{n}", "name": f"Territory {n}", "name_ar": f"منطقة {n}", **kw}
    return save_audited(Territory(firm=firm, **fields), actor=actor, reason="created")


def make_sales_team(firm: Firm, *, actor: User | None = None, **kw) -> SalesTeam:
    n = _n()
    fields = {"name": f"Team {n}", "name_ar": f"فريق {n}", **kw}
    return save_audited(SalesTeam(firm=firm, **fields), actor=actor, reason="created")


def make_sales_person(firm: Firm, user: User | None = None, *, actor: User | None = None,
                      **kw) -> SalesPerson:
    """A sales person profile; a new sales_person-role user is made when none is given."""
    if user is None:
        user = make_user(firm=firm, role=Role.SALES_PERSON, username=f"seller-{_n()}")
    fields = {"commission_rate": Decimal("5"), **kw}
    return services.sales_person_save(firm=firm, actor=actor, user=user, **fields)


def make_customer(firm: Firm, *, actor: User | None = None, addresses: list[dict] | None = None,
                  contacts: list[dict] | None = None, **kw) -> Customer:
    n = _n()
    fields = {"name": f"Customer {n}", "name_ar": f"عميل {n}",
              "email": f"customer{n}@example.com", **kw}
    return services.customer_create(firm=firm, actor=actor, addresses=addresses,
                                    contacts=contacts, **fields)


def make_pipeline(firm: Firm, stages: list[dict] | None = None, *, actor: User | None = None,
                  **kw) -> Pipeline:
    """A pipeline with DEFAULT_STAGES unless `stages` (service rows) are given."""
    n = _n()
    if stages is None:
        stages = [{"name": name, "name_ar": name, "probability": Decimal(probability),
                   "status": status} for name, probability, status in DEFAULT_STAGES]
    fields = {"name": f"Pipeline {n}", "name_ar": f"مسار {n}", **kw}
    return services.pipeline_save(firm=firm, actor=actor, stages=stages, **fields)


def make_lead(firm: Firm, *, actor: User | None = None, status: str = LeadStatus.NEW,
              **kw) -> Lead:
    """A lead made by lead_create, then walked to `status` through lead_transition."""
    n = _n()
    fields = {"first_name": f"Lead{n}", "last_name": "Tester", "company": f"Company {n}",
              "email": f"lead{n}@example.com", **kw}
    lead = services.lead_create(firm=firm, actor=actor, **fields)
    for target in STATUS_PATHS[status]:
        lead = services.lead_transition(lead=lead, target=target, actor=actor,
                                        reason="test" if target == LeadStatus.LOST else "")
    return lead


def make_campaign(firm: Firm, *, actor: User | None = None, **kw) -> Campaign:
    """A campaign; a sales person is made when `sales_person` is not given."""
    n = _n()
    if "sales_person" not in kw:
        kw["sales_person"] = make_sales_person(firm)
    fields = {"title": f"Campaign {n}", "platform": "instagram", "type": "social",
              "budget": Decimal("1000"), **kw}
    return services.campaign_create(firm=firm, actor=actor, **fields)


def make_case(firm: Firm, *, actor: User | None = None, **kw) -> Case:
    n = _n()
    fields = {"title": f"Case {n}", "parties": [{"name": f"Party {n}", "role": "client"}],
              **kw}
    return services.case_create(firm=firm, actor=actor, **fields)


def make_activity(firm: Firm, *, actor: User | None = None, entity=None, **kw) -> Activity:
    """An activity about `entity` (a lead, customer or case; a new lead when None), performed
    by `actor` (a new sales manager when None: the service needs a performer)."""
    if actor is None:
        actor = make_user(firm=firm, role=Role.SALES_MANAGER, username=f"performer-{_n()}")
    if entity is None:
        entity = make_lead(firm)
    entity_type = {Lead: "lead", Customer: "customer", Case: "case"}[type(entity)]
    fields = {"type": "call", "subject": f"Call {_n()}", **kw}
    return services.activity_log(firm=firm, actor=actor, entity_type=entity_type,
                                 entity_id=entity.pk, **fields)


def make_notification(user: User, **kw) -> Notification:
    n = _n()
    fields = {"type": "general", "title": f"Note {n}", "title_ar": f"تنبيه {n}",
              "message": "Something happened.", "message_ar": "حدث شيء.", **kw}
    return services.notification_send(user=user, **fields)


def seller_of(firm: Firm) -> SalesPerson | None:
    """The `sales_person` user's profile, in a team the `sales_manager` user manages, so
    the role scope (crm.querysets) lets the seller and their manager reach the seller's rows.
    None in a firm without those users (the other firm of the tenancy tests)."""
    person = User.objects.filter(firm=firm, username=Role.SALES_PERSON).first()
    manager = User.objects.filter(firm=firm, username=Role.SALES_MANAGER).first()
    if person is None:
        return None
    profile = SalesPerson.objects.filter(user=person).first()
    if profile is None:
        team = make_sales_team(firm, manager=manager)
        profile = services.sales_person_save(firm=firm, actor=None, user=person, team=team,
                                             commission_rate=Decimal("5"))
    return profile


# The rows of make_reach_world a sales person reaches (crm.querysets): the activities on
# their own leads, customers and cases or performed by them, and the cases of their
# customers and leads or opened by them.
SELLER_ACTIVITIES = {"on_lead", "on_teamed_lead", "on_customer", "on_case", "performed"}
SELLER_CASES = {"case_of_customer", "case_of_lead", "case_opened"}


def make_reach_world(firm: Firm, users: dict) -> dict:
    """The seller's lead, customer and case, and another seller's; activities on each.
    `users` is the one-user-per-role mapping of the `users` fixture."""
    seller = users[Role.SALES_PERSON]
    other = make_user(firm=firm, role=Role.SALES_PERSON, username="other-seller")
    manager = users[Role.SALES_MANAGER]
    rows = {
        "lead": make_lead(firm, assigned_to=seller),
        "customer": make_customer(firm, owner=seller),
        "other_lead": make_lead(firm, assigned_to=other),
        "other_customer": make_customer(firm, owner=other),
    }
    rows["teamed_lead"] = make_lead(firm, assigned_to=other)
    services.lead_update(lead=rows["teamed_lead"], actor=None, team=[{"user": seller}])
    rows["case_of_customer"] = make_case(firm, customer=rows["customer"])
    rows["case_of_lead"] = make_case(firm, lead=rows["lead"])
    rows["case_opened"] = make_case(firm, actor=seller)  # opened by the seller, no client
    rows["other_case"] = make_case(firm, customer=rows["other_customer"], actor=other)
    activities = {
        "on_lead": make_activity(firm, entity=rows["lead"], actor=manager),
        "on_teamed_lead": make_activity(firm, entity=rows["teamed_lead"], actor=other),
        "on_customer": make_activity(firm, entity=rows["customer"], actor=manager),
        "on_case": make_activity(firm, entity=rows["case_of_customer"], actor=manager),
        "performed": make_activity(firm, entity=rows["other_lead"], actor=seller),
        "on_other_lead": make_activity(firm, entity=rows["other_lead"], actor=other),
        "on_other_customer": make_activity(firm, entity=rows["other_customer"], actor=other),
        "on_other_case": make_activity(firm, entity=rows["other_case"], actor=manager),
    }
    return {"seller": seller, "other": other, "rows": rows, "activities": activities}
