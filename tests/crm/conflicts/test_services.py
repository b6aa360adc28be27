"""Conflict of interest check: opposing party, company involvement, staff ties."""

import pytest
from django.utils import timezone

from core.choices import Role
from core.services import save_audited
from crm import services
from crm.choices import LeadTransactionType
from crm.models import Lead, LeadTransaction, Notification, StaffRelationship
from tests.crm.factories import make_case, make_customer
from tests.factories import make_user


def lead_with(firm, **fields) -> Lead:
    fields = {"first_name": "Sara", "last_name": "Ali", **fields}
    return services.lead_create(firm=firm, actor=None, **fields)


def tie(user, name, kind="shareholder") -> StaffRelationship:
    return save_audited(StaffRelationship(firm_id=user.firm_id, user=user, related_name=name,
                                          kind=kind), actor=None, reason="declared")


@pytest.fixture
def faisal(firm):
    return make_customer(firm, name="Al-Faisal Trading Company")



@pytest.mark.django_db
class TestOpposingParty:
    def test_near_match_is_high_and_needs_review(self, firm, admin_user, faisal):
        make_customer(firm, name="Gulf Cement Factory")  # unrelated: not matched
        lead = lead_with(firm, opposing_party="Al Faisal Trading Co")
        result = services.conflict_check(firm=firm, data={
            "opposing_party": "Al Faisal Trading Co"})
        [conflict] = result["conflicts"]
        assert (conflict["type"], conflict["severity"]) == ("opposing_party_match", "high")
        [match] = conflict["matches"]
        assert (match["customer_id"], match["name"]) == (faisal.pk, "Al-Faisal Trading Company")
        assert 0 < match["match_score"] < 1
        assert (result["has_conflicts"], result["requires_review"]) == (True, True)

        checked = services.lead_conflict_check(lead=lead, actor=admin_user)
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.conflict_status == checked.conflict_status == "conflict"
        assert stored.conflict_checked_at is not None
        assert stored.conflict_result["requires_review"] is True
        assert stored.conflict_result["conflicts"][0]["matches"][0]["customer_id"] == faisal.pk
        assert services.lead_score_parts(lead=stored).conflict_clear == 0
        assert stored.score == 0

    def test_arabic_name_matches_too(self, firm):
        customer = make_customer(firm, name="Faisal Trading", name_ar="شركة الفيصل التجارية")
        result = services.conflict_check(firm=firm, data={
            "opposing_party": "شركة الفيصل التجارية"})
        assert result["conflicts"][0]["matches"][0]["customer_id"] == customer.pk

    def test_best_match_first(self, firm, faisal):
        exact = make_customer(firm, name="Al Faisal Trading Co")
        matches = services.conflict_check(firm=firm, data={
            "opposing_party": "Al Faisal Trading Co"})["conflicts"][0]["matches"]
        assert [m["customer_id"] for m in matches] == [exact.pk, faisal.pk]
        assert matches[0]["match_score"] == 1
        assert matches[0]["match_score"] > matches[1]["match_score"]


@pytest.mark.django_db
class TestCompanyInvolvement:
    def test_case_party_found_with_its_role(self, firm, admin_user):
        case = make_case(firm, title="Supply dispute", parties=[
            {"name": "Riyadh Builders", "role": "plaintiff"},
            {"name": "Najd Logistics LLC", "role": "defendant"}])
        lead = lead_with(firm, company="Najd Logistics")
        result = services.conflict_check(firm=firm, data={"company": "Najd Logistics"})
        assert result["conflicts"] == [{
            "type": "company_involvement", "severity": "medium",
            "cases": [{"case_id": case.pk, "case_number": case.number,
                       "title": "Supply dispute", "involvement": "defendant"}]}]
        assert (result["has_conflicts"], result["requires_review"]) == (True, False)
        checked = services.lead_conflict_check(lead=lead, actor=admin_user)
        assert checked.conflict_status == "potential"
        assert Lead.objects.get(pk=lead.pk).score == 5  # company only; not clear

    def test_related_entity_found_without_a_role(self, firm):
        case = make_case(firm, related_entities=["Najd Logistics Holding"])
        result = services.conflict_check(firm=firm, data={"company": "najd logistics"})
        assert result["conflicts"][0]["cases"] == [{
            "case_id": case.pk, "case_number": case.number, "title": case.title,
            "involvement": ""}]


@pytest.mark.django_db
class TestStaffRelationships:
    def test_tie_to_the_company_is_medium(self, firm, admin_user):
        staff = make_user(firm=firm, role=Role.SALES_PERSON, username="staff")
        tie(staff, "Najd Logistics", kind="former_employer")
        result = services.conflict_check(firm=firm, data={"company": "Najd Logistics"})
        assert result["conflicts"] == [{
            "type": "staff_relationship", "severity": "medium", "relationships": [{
                "user_id": staff.pk, "user": "staff", "related_name": "Najd Logistics",
                "relationship": "former_employer"}]}]

    def test_tie_to_the_person(self, firm):
        staff = make_user(firm=firm, role=Role.SALES_PERSON, username="staff")
        tie(staff, "Sara Ali", kind="family")
        result = services.conflict_check(firm=firm, data={"first_name": "Sara",
                                                          "last_name": "Ali"})
        assert [c["type"] for c in result["conflicts"]] == ["staff_relationship"]

    def test_tie_to_the_opposing_party_is_high(self, firm, admin_user):
        staff = make_user(firm=firm, role=Role.SALES_PERSON, username="staff")
        tie(staff, "Gulf Cement Co", kind="board_member")
        lead = lead_with(firm, opposing_party="Gulf Cement Co")
        checked = services.lead_conflict_check(lead=lead, actor=admin_user)
        [conflict] = checked.conflict_result["conflicts"]
        assert (conflict["type"], conflict["severity"]) == ("staff_relationship", "high")
        assert checked.conflict_status == "conflict"


@pytest.mark.django_db
class TestClear:
    def test_no_conflicts_is_clear_and_worth_ten(self, firm, admin_user):
        make_customer(firm, name="Gulf Cement Factory")
        make_case(firm, parties=[{"name": "Riyadh Builders", "role": "plaintiff"}])
        lead = lead_with(firm, company="Najd Logistics", opposing_party="Al Faisal Trading Co")
        before = timezone.now()
        checked = services.lead_conflict_check(lead=lead, actor=admin_user,
                                               origin={"ip_address": "10.0.0.1",
                                                       "user_agent": "ua"})
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.conflict_status == checked.conflict_status == "clear"
        assert before <= stored.conflict_checked_at <= timezone.now()
        assert stored.conflict_result["has_conflicts"] is False
        assert stored.conflict_result["conflicts"] == []
        assert stored.score == 5 + 10  # company + clear
        row = LeadTransaction.objects.filter(lead=lead,
                                             type=LeadTransactionType.UPDATED).last()
        assert (row.previous_values, row.new_values, row.actor, row.ip_address) == (
            {"conflict_status": "not_checked"}, {"conflict_status": "clear"}, admin_user,
            "10.0.0.1")
        assert stored.history.first().history_user == admin_user

    def test_a_new_check_replaces_the_old_result(self, firm, admin_user):
        lead = lead_with(firm, opposing_party="Al Faisal Trading Co")
        assert services.lead_conflict_check(lead=lead, actor=admin_user).conflict_status == (
            "clear")
        assert Lead.objects.get(pk=lead.pk).score == 10
        make_customer(firm, name="Al-Faisal Trading Company")
        assert services.lead_conflict_check(lead=lead, actor=admin_user).conflict_status == (
            "conflict")
        assert Lead.objects.get(pk=lead.pk).score == 0

    def test_conflicts_notify_the_assignee(self, firm, admin_user, faisal):
        seller = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        lead = lead_with(firm, opposing_party="Al Faisal Trading Co", assigned_to=seller)
        services.lead_conflict_check(lead=lead, actor=admin_user)
        [notice] = Notification.objects.filter(user=seller, type="conflict")
        assert (notice.entity_type, notice.entity_id) == ("lead", lead.pk)
        assert notice.title_ar == "تعارض مصالح محتمل"


@pytest.mark.django_db
class TestTenancy:
    def test_another_firms_records_are_never_matched(self, firm, other_firm, admin_user):
        make_customer(other_firm, name="Al-Faisal Trading Company")
        make_case(other_firm, parties=[{"name": "Najd Logistics", "role": "defendant"}])
        tie(make_user(firm=other_firm, role=Role.ADMIN, username="theirs"), "Najd Logistics")
        tie(make_user(firm=other_firm, role=Role.ADMIN, username="theirs2"), "Al Faisal Trading Co")
        lead = lead_with(firm, company="Najd Logistics", opposing_party="Al Faisal Trading Co")
        checked = services.lead_conflict_check(lead=lead, actor=admin_user)
        assert checked.conflict_result["conflicts"] == []
        assert checked.conflict_status == "clear"
