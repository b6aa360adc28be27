"""The version stamp of a firm's cached dashboards (crm.selectors caches under it).

Anything that changes leads or activities calls dashboard_changed; the querysets and model
receivers do, so this module sits below them and imports nothing of crm.
"""

from django.core.cache import cache
from django.db import transaction


def dashboard_version(firm_id: int) -> int:
    return cache.get_or_set(f"crm-dashboard-version-{firm_id}", 1, None)


def dashboard_invalidate(firm_id: int) -> None:
    """Called when leads or activities change: later reads miss the cache and recompute."""
    key = f"crm-dashboard-version-{firm_id}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, None)


def dashboard_changed(firm_id: int) -> None:
    """Leads or activities of the firm changed: invalidate now and again once the transaction
    commits, so a dashboard computed meanwhile from the old rows is not served after it."""
    dashboard_invalidate(firm_id)
    transaction.on_commit(lambda: dashboard_invalidate(firm_id))
