"""Demo CRM data for `manage.py seed_demo`: realistic, bilingual, idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.models import Firm

from . import services
from .choices import ActivityType, LeadStatus
from .models import CustomerGroup, Lead, SalesPerson, SalesTeam, Territory

STAGES = [
    ("New", "جديد", 10, LeadStatus.NEW),
    ("Contacted", "تم التواصل", 20, LeadStatus.CONTACTED),
    ("Qualified", "مؤهل", 40, LeadStatus.QUALIFIED),
    ("Proposal", "عرض", 60, LeadStatus.PROPOSAL),
    ("Negotiation", "تفاوض", 80, LeadStatus.NEGOTIATION),
    ("Won", "مكسوب", 100, LeadStatus.WON),
    ("Lost", "خاسر", 0, LeadStatus.LOST),
]
CUSTOMERS = [
    ("Al-Faisal Trading Company", "شركة الفيصل للتجارة", "300111222300003", "Riyadh", "الرياض"),
    ("Jeddah Medical Supplies", "جدة للمستلزمات الطبية", "300222333400003", "Jeddah", "جدة"),
    ("Eastern Province Contracting", "مقاولات المنطقة الشرقية", "300333444500003", "Dammam",
     "الدمام"),
    ("Hamad Al-Mutairi", "حمد المطيري", "", "Riyadh", "الرياض"),
]
# (first, last, company, status, budget, authority, need, timeline, value, days ago)
LEADS = [
    ("Abdullah", "Al-Rashid", "Najd Logistics", LeadStatus.NEW, "10k_50k", "influencer",
     "exploring", "this_year", 25000, 1),
    ("Reem", "Al-Dossary", "Gulf Foods", LeadStatus.CONTACTED, "50k_100k", "decision_maker",
     "evaluating", "this_quarter", 80000, 6),
    ("Omar", "Bakr", "Red Sea Hotels", LeadStatus.QUALIFIED, "100k_500k", "final_approver",
     "urgent", "this_month", 240000, 12),
    ("Lina", "Haddad", "Qassim Dates Co.", LeadStatus.PROPOSAL, "50k_100k", "recommender",
     "evaluating", "this_quarter", 65000, 20),
    ("Turki", "Al-Shammari", "Hail Cement", LeadStatus.NEGOTIATION, "above_500k",
     "decision_maker", "critical", "this_week", 750000, 30),
    ("Nora", "Al-Ghamdi", "Abha Tourism", LeadStatus.NURTURING, "under_10k", "no_authority",
     "exploring", "next_year", 8000, 40),
    ("Fahad", "Al-Qurashi", "Makkah Printing", LeadStatus.WON, "10k_50k", "final_approver",
     "urgent", "immediate", 42000, 2),
    ("Huda", "Al-Zahrani", "Tabuk Farms", LeadStatus.LOST, "50k_100k", "influencer",
     "researching", "this_year", 90000, 15),
    ("Majed", "Al-Harthi", "", LeadStatus.DISQUALIFIED, "unknown", "unknown", "no_need",
     "no_timeline", 0, 9),
    ("Salma", "Al-Anazi", "Jouf Olive Oil", LeadStatus.REOPENED, "10k_50k", "recommender",
     "exploring", "next_year", 30000, 25),
]


def crm_seed_demo(*, firm: Firm, users: dict) -> None:
    if Lead.objects.filter(firm=firm).exists():
        return  # seeded before: leave staff's changes alone
    admin, manager, sales = users.get("admin"), users.get("manager"), users.get("sales")
    pipeline = services.pipeline_save(
        firm=firm, actor=admin, name="Sales pipeline", name_ar="مسار المبيعات", is_default=True,
        stages=[{"name": n, "name_ar": a, "probability": Decimal(p), "status": s}
                for n, a, p, s in STAGES])
    central = Territory.objects.create(firm=firm, code="C", name="Central", name_ar="الوسطى")
    Territory.objects.create(firm=firm, code="W", name="Western", name_ar="الغربية")
    wholesale = CustomerGroup.objects.create(firm=firm, name="Wholesale", name_ar="الجملة")
    CustomerGroup.objects.create(firm=firm, name="Retail", name_ar="التجزئة")
    team = SalesTeam.objects.create(firm=firm, name="Riyadh team", name_ar="فريق الرياض",
                                    manager=manager)
    person = None
    for user, rate in ((manager, "3"), (sales, "5")):
        if user is not None:
            person = services.sales_person_save(firm=firm, actor=admin, user=user, team=team,
                                                territory=central,
                                                commission_rate=Decimal(rate))
    for name, name_ar, vat, city, city_ar in CUSTOMERS:
        services.customer_create(
            firm=firm, actor=admin, name=name, name_ar=name_ar, vat_number=vat,
            type="individual" if not vat else "company", customer_group=wholesale,
            territory=central, owner=sales,
            addresses=[{"kind": "billing", "line1": f"{city} main road", "city": city,
                        "city_ar": city_ar}],
            contacts=[{"name": "Accounts", "name_ar": "الحسابات",
                       "email": f"accounts@{name.split()[0].lower()}.example"}])
    campaign = services.campaign_create(
        firm=firm, actor=admin, title="Ramadan offers", platform="instagram", type="social",
        sales_person=person or SalesPerson.objects.filter(firm=firm).first(),
        budget=Decimal("15000"), start_date=timezone.localdate() - datetime.timedelta(days=30))
    for index, row in enumerate(LEADS):
        first, last, company, status, budget, authority, need, timeline, value, days = row
        lead = services.lead_create(
            firm=firm, actor=sales, first_name=first, last_name=last, company=company,
            email=f"{first.lower()}@{(company or last).split()[0].lower()}.example",
            phone=f"+9665000000{index:02d}", budget=budget, authority=authority, need=need,
            timeline=timeline, estimated_value=Decimal(value), source="campaign",
            campaign=campaign,
            expected_close_date=timezone.localdate() + datetime.timedelta(days=30 + index * 7),
            assigned_to=sales, pipeline=pipeline)
        _walk(lead, status, actor=sales)
        services.activity_log(
            firm=firm, actor=sales, type=ActivityType.CALL, entity_type="lead",
            entity_id=lead.pk, subject="Discovery call", notes="Needs and budget discussed.",
            duration=20, outcome="successful",
            performed_at=timezone.now() - datetime.timedelta(days=days))


PATHS = {
    LeadStatus.NEW: [],
    LeadStatus.CONTACTED: [LeadStatus.CONTACTED],
    LeadStatus.QUALIFIED: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED],
    LeadStatus.PROPOSAL: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL],
    LeadStatus.NEGOTIATION: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                             LeadStatus.NEGOTIATION],
    LeadStatus.NURTURING: [LeadStatus.CONTACTED, LeadStatus.NURTURING],
    LeadStatus.WON: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                     LeadStatus.WON],
    LeadStatus.LOST: [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                      LeadStatus.LOST],
    LeadStatus.DISQUALIFIED: [LeadStatus.DISQUALIFIED],
    LeadStatus.REOPENED: [LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED, LeadStatus.REOPENED],
}


def _walk(lead: Lead, status: str, *, actor) -> None:
    for target in PATHS[status]:
        lead = services.lead_transition(lead=lead, target=target, actor=actor,
                                        reason="Chose another supplier"
                                        if target == LeadStatus.LOST else "")
