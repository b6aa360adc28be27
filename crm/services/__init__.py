"""crm services: every write of the app goes through these (architecture §5.1)."""

from .activities import activity_delete, activity_log, activity_update
from .conflicts import conflict_check, lead_conflict_check
from .leads import (
    lead_allowed_targets,
    lead_assign,
    lead_create,
    lead_delete,
    lead_move_stage,
    lead_transaction_record,
    lead_transition,
    lead_update,
    lead_win,
)
from .notifications import notification_email_send, notification_send, notifications_mark_read
from .records import (
    campaign_create,
    campaign_delete,
    campaign_update,
    case_create,
    case_delete,
    case_update,
    customer_create,
    customer_delete,
    customer_update,
    pipeline_delete,
    pipeline_save,
    sales_person_delete,
    sales_person_save,
)
from .scoring import LeadScore, lead_rescore, lead_score_parts
from .stale import STALE_THRESHOLDS, leads_flag_stale

__all__ = [
    "STALE_THRESHOLDS", "LeadScore", "activity_delete", "activity_log", "activity_update",
    "campaign_create", "campaign_delete", "campaign_update", "case_create", "case_delete",
    "case_update", "conflict_check", "customer_create", "customer_delete", "customer_update",
    "lead_allowed_targets", "lead_assign", "lead_conflict_check", "lead_create",
    "lead_delete", "lead_move_stage", "lead_rescore",
    "lead_score_parts", "lead_transaction_record", "lead_transition", "lead_update", "lead_win",
    "leads_flag_stale", "notification_email_send", "notification_send",
    "notifications_mark_read", "pipeline_delete", "pipeline_save", "sales_person_delete",
    "sales_person_save",
]
