"""Pipeline staff pages."""

import pytest
from django.urls import reverse

from crm.models import (
    Pipeline,
)
from tests.contracts.pages import management

# --- reference pages: reachable, forms through their services ------------------------------


@pytest.mark.django_db
class TestReferencePages:
    def test_pipeline_form_saves_ordered_stages(self, client, admin_user, firm):
        client.force_login(admin_user)
        data = {"name": "Tenders", "name_ar": "المناقصات", "is_active": "on",
                **management("stages", 3),
                "stages-0-name": "Closing", "stages-0-probability": "90",
                "stages-0-status": "negotiation", "stages-0-ORDER": "3",
                "stages-1-name": "Opening", "stages-1-probability": "10",
                "stages-1-status": "new", "stages-1-ORDER": "1",
                "stages-2-name": "Pricing", "stages-2-probability": "50", "stages-2-ORDER": "2"}
        response = client.post(reverse("crm:pipeline_create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        pipeline = Pipeline.objects.get(firm=firm, name="Tenders")
        assert list(pipeline.stages.values_list("name", "order", "status")) == [
            ("Opening", 0, "new"), ("Pricing", 1, ""), ("Closing", 2, "negotiation")]
