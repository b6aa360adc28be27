from django.db import models


class TenantQuerySet(models.QuerySet):
    def of_firm(self, firm_id: int | None) -> "TenantQuerySet":
        return self.filter(firm_id=firm_id)

    def visible_to(self, user) -> "TenantQuerySet":
        """Object scope within the firm by role; apps override it (a sales person's own rows)."""
        return self
