"""Pipelines in the Django admin and on their page: delete through the service."""

import pytest
from django.urls import reverse

from crm.models import (
    Pipeline,
    Stage,
)
from tests.contracts.admin import admin_url
from tests.crm.factories import (
    make_lead,
    make_pipeline,
)


@pytest.mark.django_db
class TestPipelineDelete:

    def test_page_and_admin(self, client, firm, admin_user):
        used, unused, other = make_pipeline(firm), make_pipeline(firm), make_pipeline(firm)
        make_lead(firm, pipeline=used)
        client.force_login(admin_user)
        refused = client.post(reverse("crm:pipeline_delete", args=[used.pk]), follow=True)
        assert any("leads: 1" in str(m) for m in refused.context["messages"])
        assert client.post(reverse("crm:pipeline_delete", args=[unused.pk])).status_code == 302
        client.post(admin_url(Pipeline, "delete", other.pk), {"post": "yes"})
        assert list(Pipeline.objects.filter(firm=firm)) == [used]
        assert not Stage.objects.filter(pipeline_id__in=[unused.pk, other.pk]).exists()
