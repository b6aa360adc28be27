"""Conflict of interest check: opposing party, company, staff relationships."""

from difflib import SequenceMatcher
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Greatest

from core.models import Firm, User
from core.services import firm_now, record_save

from ..choices import ConflictStatus, LeadTransactionType, NotificationType
from ..models import Case, Customer, Lead, StaffRelationship
from .leads import lead_transaction_record
from .notifications import lead_assignee_notify
from .scoring import lead_rescore

# A customer whose name is at least this similar to the opposing party is a match.
SIMILARITY_THRESHOLD = 0.3
MAX_MATCHES = 20


def _similar_customers(firm: Firm, name: str) -> list[dict]:
    """Customers whose English or Arabic name resembles `name`, best first, with a score.

    PostgreSQL ranks with trigram similarity (pg_trgm, indexed); SQLite, which has neither,
    narrows with a substring match and scores in Python, which is enough for `make run`.
    """
    customers = Customer.objects.filter(firm=firm)
    if connection.vendor == "postgresql":
        ranked = customers.annotate(score=Greatest(TrigramSimilarity("name", name),
                                                   TrigramSimilarity("name_ar", name)))
        rows = ranked.filter(score__gte=SIMILARITY_THRESHOLD).order_by("-score", "pk")
        return [{"customer_id": c.pk, "name": c.name, "match_score": round(c.score, 3)}
                for c in rows[:MAX_MATCHES]]
    words = [word for word in name.split() if len(word) > 2] or [name]
    condition = Q()
    for word in words:
        condition |= Q(name__icontains=word) | Q(name_ar__icontains=word)
    scored = [(max(_ratio(name, c.name), _ratio(name, c.name_ar)), c)
              for c in customers.filter(condition)[:200]]
    scored = sorted((item for item in scored if item[0] >= SIMILARITY_THRESHOLD),
                    key=lambda item: (-item[0], item[1].pk))
    return [{"customer_id": c.pk, "name": c.name, "match_score": round(score, 3)}
            for score, c in scored[:MAX_MATCHES]]


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a.casefold(), b.casefold()).ratio() if a and b else 0.0


def conflict_check(*, firm: Firm, data: dict[str, Any]) -> dict[str, Any]:
    """Check lead data (opposing_party, company, first/last name) for conflicts; saves nothing."""
    conflicts = []
    opposing = (data.get("opposing_party") or "").strip()
    company = (data.get("company") or "").strip()
    person = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])).strip()
    if opposing:
        matches = _similar_customers(firm, opposing)
        if matches:
            conflicts.append({"type": "opposing_party_match", "severity": "high",
                              "matches": matches})
    if company:
        cases = Case.objects.filter(firm=firm, search_text__icontains=company).order_by("pk")
        found = [{"case_id": case.pk, "case_number": case.number, "title": case.title,
                  "involvement": next((p["role"] for p in case.parties
                                       if company.casefold() in p["name"].casefold()), "")}
                 for case in cases[:MAX_MATCHES]]
        if found:
            conflicts.append({"type": "company_involvement", "severity": "medium",
                              "cases": found})
    conflicts.extend(_staff_conflicts(firm, opposing=opposing, others=[company, person]))
    return {"has_conflicts": bool(conflicts), "conflicts": conflicts,
            "checked_at": firm_now(firm=firm),
            "requires_review": any(c["severity"] == "high" for c in conflicts)}


def _staff_conflicts(firm: Firm, *, opposing: str, others: list[str]) -> list[dict]:
    """A staff member tied to the opposing party is high severity; to the client, medium."""
    conflicts = []
    for names, severity in (([opposing], "high"), (others, "medium")):
        names = [name for name in names if name]
        if not names:
            continue
        condition = Q()
        for name in names:
            condition |= Q(related_name__iexact=name) | Q(related_name__icontains=name)
        ties = StaffRelationship.objects.filter(firm=firm).filter(condition).select_related(
            "user").order_by("pk")
        if ties:
            conflicts.append({"type": "staff_relationship", "severity": severity, "relationships": [
                {"user_id": tie.user_id, "user": str(tie.user), "related_name": tie.related_name,
                 "relationship": tie.kind} for tie in ties[:MAX_MATCHES]]})
    return conflicts


@transaction.atomic
def lead_conflict_check(*, lead: Lead, actor: User | None, origin: dict | None = None) -> Lead:
    """Run the check on a lead, store the result and status, rescore, tell the assignee."""
    result = conflict_check(firm=lead.firm, data={
        "opposing_party": lead.opposing_party, "company": lead.company,
        "first_name": lead.first_name, "last_name": lead.last_name})
    status = (ConflictStatus.CONFLICT if result["requires_review"] else
              ConflictStatus.POTENTIAL if result["has_conflicts"] else ConflictStatus.CLEAR)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    previous = locked.conflict_status
    locked.conflict_status = status
    locked.conflict_result = result
    locked.conflict_checked_at = result["checked_at"]
    record_save(locked, actor=actor, reason="conflict check")
    lead_transaction_record(lead=locked, type=LeadTransactionType.UPDATED, actor=actor,
                            previous={"conflict_status": previous},
                            new={"conflict_status": status}, origin=origin,
                            metadata={"conflict_check": True})
    lead_rescore(lead=locked)
    if result["has_conflicts"]:
        lead_assignee_notify(
            lead=locked, type=NotificationType.CONFLICT,
            title="Possible conflict of interest", title_ar="تعارض مصالح محتمل",
            message=f"The conflict check on {locked.display_name} found matches to review.",
            message_ar=f"وجد فحص التعارض على {locked.display_name} نتائج تحتاج إلى مراجعة.")
    return locked
