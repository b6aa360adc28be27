"""Customers (with addresses and contacts), cases, campaigns, pipelines, sales people."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType
from core.errors import ApplicationError
from core.models import Firm, User
from core.services import (
    delete_protected,
    firm_today,
    replace_children,
    same_firm,
    save_audited,
    sequence_next,
)

from .. import signals
from ..choices import ActivityEntity, CampaignStatus
from ..errors import CrmErrorCode
from ..models import (
    Campaign,
    Case,
    Customer,
    CustomerAddress,
    CustomerContact,
    Pipeline,
    SalesPerson,
    Stage,
)
from .activities import entity_links_delete
from .common import is_sales_person


@transaction.atomic
def customer_create(*, firm: Firm, actor: User | None, addresses: list[dict] | None = None,
                    contacts: list[dict] | None = None, **fields: Any) -> Customer:
    """A customer with its addresses and contacts; the code is numbered when left empty."""
    customer = Customer(firm=firm, **fields)
    if customer.owner_id is None and is_sales_person(actor):
        customer.owner = actor  # else their own role scope would hide it from them
    same_firm(firm.pk, customer_group=customer.customer_group, territory=customer.territory,
               owner=customer.owner, default_price_list=customer.default_price_list)
    if not customer.code:
        customer.code = _free_customer_code(firm)
    _check_code_free(customer)
    save_audited(customer, actor=actor, reason="created")
    replace_children(customer, name="addresses", model=CustomerAddress,
                      rows=addresses or [], parent_field="customer")
    replace_children(customer, name="contacts", model=CustomerContact,
                      rows=contacts or [], parent_field="customer")
    return customer


def _free_customer_code(firm: Firm) -> str:
    """The next numbered code not already given by hand (imported customers keep theirs)."""
    while True:
        code = sequence_next(firm=firm, document_type=DocumentType.CUSTOMER,
                             date=firm_today(firm=firm))
        if not Customer.objects.filter(firm=firm, code=code).exists():
            return code


def _check_code_free(customer: Customer) -> None:
    # The unique constraint is the guarantee; this names the field in the error.
    taken = Customer.objects.filter(firm_id=customer.firm_id, code=customer.code)
    if taken.exclude(pk=customer.pk).exists():
        raise ValidationError({"code": _("Another customer already has this code.")})


@transaction.atomic
def customer_update(*, customer: Customer, actor: User | None,
                    addresses: list[dict] | None = None, contacts: list[dict] | None = None,
                    **changes: Any) -> Customer:
    """Edit a customer; nested lists given replace the current ones (see replace_children)."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    same_firm(locked.firm_id, customer_group=locked.customer_group,
               territory=locked.territory, owner=locked.owner,
               default_price_list=locked.default_price_list)
    _check_code_free(locked)
    save_audited(locked, actor=actor, reason="updated")
    if addresses is not None:
        replace_children(locked, name="addresses", model=CustomerAddress,
                          rows=addresses, parent_field="customer")
    if contacts is not None:
        replace_children(locked, name="contacts", model=CustomerContact,
                          rows=contacts, parent_field="customer")
    return locked


@transaction.atomic
def customer_delete(*, customer: Customer, actor: User | None) -> None:
    """Delete a customer with its addresses, contacts, activities and the notifications
    linking to it; refused (409 `protected`, naming what refers to it) while leads, cases or
    other apps' documents still refer to it."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    entity_links_delete(entity_type=ActivityEntity.CUSTOMER, entity=locked, actor=actor)
    delete_protected(locked, actor=actor)


def _case_fields(case: Case) -> None:
    parties = case.parties or []
    if not isinstance(parties, list) or not all(
            isinstance(p, dict) and str(p.get("name", "")).strip() for p in parties):
        raise ValidationError({"parties": _("Each party needs a name (and may have a role).")})
    case.parties = [{"name": str(p["name"]).strip(), "role": str(p.get("role", "")).strip()}
                    for p in parties]
    entities = case.related_entities or []
    if not isinstance(entities, list) or not all(isinstance(e, str) for e in entities):
        raise ValidationError({"related_entities": _("Expected a list of names.")})
    case.related_entities = [entity.strip() for entity in entities if entity.strip()]
    case.search_text = "\n".join([*(p["name"] for p in case.parties), *case.related_entities])


@transaction.atomic
def case_create(*, firm: Firm, actor: User | None, **fields: Any) -> Case:
    case = Case(firm=firm, **fields)
    same_firm(firm.pk, customer=case.customer, lead=case.lead)
    _case_fields(case)
    case.number = sequence_next(firm=firm, document_type=DocumentType.CASE,
                                date=firm_today(firm=firm))
    return save_audited(case, actor=actor, reason="created")


@transaction.atomic
def case_update(*, case: Case, actor: User | None, **changes: Any) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    same_firm(locked.firm_id, customer=locked.customer, lead=locked.lead)
    _case_fields(locked)
    return save_audited(locked, actor=actor, reason="updated")


@transaction.atomic
def case_delete(*, case: Case, actor: User | None) -> None:
    """Delete a case with its activities and the notifications linking to it (its history
    keeps who deleted it); refused while other documents still refer to it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    entity_links_delete(entity_type=ActivityEntity.CASE, entity=locked, actor=actor)
    delete_protected(locked, actor=actor)


@transaction.atomic
def campaign_create(*, firm: Firm, actor: User | None, **fields: Any) -> Campaign:
    if fields.get("status") == CampaignStatus.DELETED:
        raise ValidationError({"status": _("Delete the campaign to mark it deleted.")})
    campaign = Campaign(firm=firm, **fields)
    if is_sales_person(actor) and campaign.sales_person_id is not None and (
            campaign.sales_person.user_id != actor.pk):
        raise ValidationError({"sales_person": _("You can run campaigns under your own name "
                                                 "only.")})
    same_firm(firm.pk, sales_person=campaign.sales_person)
    return save_audited(campaign, actor=actor, reason="created")


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: User | None, **changes: Any) -> Campaign:
    """Edit a campaign; its sales person never changes."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.deleted_at is not None:
        raise ApplicationError(code=CrmErrorCode.CAMPAIGN_DELETED, status_code=409,
                               message=_("A deleted campaign cannot be changed."))
    for key in ("sales_person", "sales_person_id"):
        value = changes.pop(key, locked.sales_person_id)
        if getattr(value, "pk", value) != locked.sales_person_id:
            # Named like a validation error: the field and its messages.
            message = _("A campaign's sales person cannot be changed.")
            raise ApplicationError(code=CrmErrorCode.IMMUTABLE_FIELD,
                                   details={"sales_person_id": [message]}, message=message)
    if changes.get("status") == CampaignStatus.DELETED:
        raise ValidationError({"status": _("Delete the campaign to mark it deleted.")})
    for name, value in changes.items():
        setattr(locked, name, value)
    return save_audited(locked, actor=actor, reason="updated")


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor: User | None) -> Campaign:
    """Soft delete: the campaign stays readable by id; its orders follow (campaign_deleted)."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.deleted_at is not None:
        return locked  # deleting twice changes nothing and signals nothing
    locked.deleted_at = timezone.now()
    locked.status = CampaignStatus.DELETED
    save_audited(locked, actor=actor, reason="deleted")
    transaction.on_commit(lambda: signals.campaign_deleted.send(
        sender=Campaign, campaign=locked, actor=actor))
    return locked


@transaction.atomic
def pipeline_save(*, firm: Firm, actor: User | None, pipeline: Pipeline | None = None,
                  stages: list[dict] | None = None, **fields: Any) -> Pipeline:
    """Create or edit a pipeline and its ordered stages; one default pipeline per firm."""
    if pipeline is not None:
        same_firm(firm.pk, pipeline=pipeline)
    pipeline = (Pipeline.objects.select_for_update().get(pk=pipeline.pk) if pipeline
                else Pipeline(firm=firm))
    for name, value in fields.items():
        setattr(pipeline, name, value)
    if pipeline.is_default:
        Pipeline.objects.filter(firm=firm, is_default=True).exclude(pk=pipeline.pk).update(
            is_default=False)
    save_audited(pipeline, actor=actor, reason="saved")
    if stages is not None:
        # The list order is the stage order, whatever `order` the rows carry.
        rows = [{**row, "order": index} for index, row in enumerate(stages)]
        seen: dict[str, int] = {}
        for index, row in enumerate(rows):
            status = row.get("status") or ""
            if status and status in seen:
                raise ValidationError({f"stages.{index}.status": _(
                    "Another stage of this pipeline already stands for this status.")})
            seen[status] = index
        removed = pipeline.stages.exclude(pk__in=[r["id"] for r in rows if r.get("id")])
        if removed.filter(leads__isnull=False).exists():
            raise ValidationError({"stages": _("A stage with leads in it cannot be removed.")})
        # Free the order numbers (and the statuses rows set) first: the new list may swap
        # two stages' places or statuses.
        pipeline.stages.update(order=models.F("order") + 1000)
        pipeline.stages.filter(pk__in=[r["id"] for r in rows if r.get("id") and "status" in r]
                               ).update(status="")
        replace_children(pipeline, name="stages", model=Stage, rows=rows,
                          parent_field="pipeline")
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, actor: User | None) -> None:
    """Delete a pipeline and its stages; refused (409 `protected`) while leads are in it."""
    locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    delete_protected(locked, actor=actor)


@transaction.atomic
def sales_person_save(*, firm: Firm, actor: User | None,
                      sales_person: SalesPerson | None = None, **fields: Any) -> SalesPerson:
    person = (SalesPerson.objects.select_for_update().get(pk=sales_person.pk) if sales_person
              else SalesPerson(firm=firm))
    for name, value in fields.items():
        setattr(person, name, value)
    same_firm(firm.pk, user=person.user if person.user_id else None, team=person.team,
               territory=person.territory)
    return save_audited(person, actor=actor, reason="saved")


@transaction.atomic
def sales_person_delete(*, sales_person: SalesPerson, actor: User | None) -> None:
    """Delete a sales person's profile (the user stays); refused (409 `protected`) while
    campaigns (deleted ones too: they stay for audit) or other documents refer to it."""
    locked = SalesPerson.objects.select_for_update().get(pk=sales_person.pk)
    delete_protected(locked, actor=actor)
