"""The list columns and detail fields every sales document page shows the same way: its
status, and the fields of the kit's abstract parts (texts, posting, cancellation)."""

from django.utils.translation import gettext_lazy as _

from core.staff import Column, status_badge

STATUS_COLUMN = Column(_("Status"), lambda row: status_badge(row.status,
                                                             row.get_status_display()),
                       sort="status")
TEXT_FIELDS = [
    Column(_("Terms and conditions"), "terms"),
    Column(_("Arabic terms and conditions"), "terms_ar"),
    Column(_("Notes"), "notes"),
    Column(_("Arabic notes"), "notes_ar"),
]
POSTING_FIELDS = [Column(_("Posted by"), "posted_by"), Column(_("Posted at"), "posted_at")]
CANCELLATION_FIELDS = [
    Column(_("Cancellation reason"), "cancellation_reason"),
    Column(_("Cancelled by"), "cancelled_by"),
    Column(_("Cancelled at"), "cancelled_at"),
]
