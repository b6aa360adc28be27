from django.db import models


class TenantQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TenantQuerySet":
        """Object scope within the firm by role; apps override it (a sales person's own rows)."""
        return self
