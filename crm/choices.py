from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerType(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    CAMPAIGN = "campaign", _("Campaign")
    SOCIAL_MEDIA = "social_media", _("Social media")
    COLD_CALL = "cold_call", _("Cold call")
    EVENT = "event", _("Event")
    PARTNER = "partner", _("Partner")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER = "other", _("Other")


class AddressKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")


# BANT qualification; each value carries its points (business-rules §3).
class Budget(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    UNDER_10K = "under_10k", _("Under 10,000")
    FROM_10K_TO_50K = "10k_50k", _("10,000 – 50,000")
    FROM_50K_TO_100K = "50k_100k", _("50,000 – 100,000")
    FROM_100K_TO_500K = "100k_500k", _("100,000 – 500,000")
    ABOVE_500K = "above_500k", _("Above 500,000")


class Authority(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    NO_AUTHORITY = "no_authority", _("No authority")
    INFLUENCER = "influencer", _("Influencer")
    RECOMMENDER = "recommender", _("Recommender")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    FINAL_APPROVER = "final_approver", _("Final approver")


class Need(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    NO_NEED = "no_need", _("No need")
    EXPLORING = "exploring", _("Exploring")
    RESEARCHING = "researching", _("Researching")
    EVALUATING = "evaluating", _("Evaluating")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class Timeline(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    NO_TIMELINE = "no_timeline", _("No timeline")
    NEXT_YEAR = "next_year", _("Next year")
    THIS_YEAR = "this_year", _("This year")
    THIS_QUARTER = "this_quarter", _("This quarter")
    THIS_MONTH = "this_month", _("This month")
    THIS_WEEK = "this_week", _("This week")
    IMMEDIATE = "immediate", _("Immediate")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DISQUALIFIED = "disqualified", _("Disqualified")
    NURTURING = "nurturing", _("Nurturing")
    REOPENED = "reopened", _("Reopened")


class ConflictStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    # "Clear" alone is also the filter form's button (context "filters"): its own context
    # lets Arabic say "no conflict" here and "clear the filters" there.
    CLEAR = "clear", pgettext_lazy("conflict check", "Clear")
    POTENTIAL = "potential", _("Potential conflict")
    CONFLICT = "conflict", _("Conflict")


class LeadTransactionType(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    ACTIVITY_LOGGED = "activity_logged", _("Activity logged")
    NOTE_ADDED = "note_added", _("Note added")
    CONVERTED = "converted", _("Converted")
    MERGED = "merged", _("Merged")
    ARCHIVED = "archived", _("Archived")
    RESTORED = "restored", _("Restored")


class ActivityType(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    TASK = "task", _("Task")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VISIT = "visit", _("Visit")


class ActivityEntity(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUOTE = "quote", _("Quote")
    CUSTOMER = "customer", _("Customer")
    CASE = "case", _("Case")


class ActivityOutcome(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    NO_ANSWER = "no_answer", _("No answer")
    CALLBACK = "callback", _("Call back later")
    NOT_INTERESTED = "not_interested", _("Not interested")
    SCHEDULED = "scheduled", _("Meeting scheduled")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


class RelationshipKind(models.TextChoices):
    FAMILY = "family", _("Family member")
    FORMER_EMPLOYER = "former_employer", _("Former employer")
    BUSINESS_PARTNER = "business_partner", _("Business partner")
    SHAREHOLDER = "shareholder", _("Shareholder")
    BOARD_MEMBER = "board_member", _("Board member")
    OTHER = "other", _("Other")


class CampaignPlatform(models.TextChoices):
    GOOGLE = "google", _("Google")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    LINKEDIN = "linkedin", _("LinkedIn")
    X = "x", _("X (Twitter)")
    SNAPCHAT = "snapchat", _("Snapchat")
    TIKTOK = "tiktok", _("TikTok")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


class CampaignType(models.TextChoices):
    PAID_ADS = "paid_ads", _("Paid ads")
    SOCIAL = "social", _("Social media")
    EMAIL = "email", _("Email")
    CONTENT = "content", _("Content")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    DELETED = "deleted", _("Deleted")


class NotificationType(models.TextChoices):
    STALE_LEAD = "stale_lead", _("Stale lead")
    LEAD_ASSIGNED = "lead_assigned", _("Lead assigned")
    LEAD_WON = "lead_won", _("Lead won")
    CONFLICT = "conflict", _("Conflict found")
    DELIVERY_LATE = "delivery_late", _("Delivery late")
    GENERAL = "general", _("General")
