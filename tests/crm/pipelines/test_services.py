"""Pipeline services: ordered stages."""

import pytest
from django.core.exceptions import ValidationError

from crm import services
from crm.models import (
    Pipeline,
    Stage,
)
from tests.crm.factories import (
    make_pipeline,
)


def stage_rows(*names) -> list[dict]:
    return [{"name": name} for name in names]



@pytest.mark.django_db
class TestPipelines:
    def test_one_default_per_firm(self, firm, other_firm):
        theirs = make_pipeline(other_firm, is_default=True)
        first = make_pipeline(firm, is_default=True)
        second = make_pipeline(firm, is_default=True)
        defaults = Pipeline.objects.filter(firm=firm, is_default=True)
        assert list(defaults) == [second]
        services.pipeline_save(firm=firm, actor=None, pipeline=first, is_default=True)
        assert list(defaults.all()) == [first]
        assert Pipeline.objects.get(pk=theirs.pk).is_default is True

    def test_stages_take_the_list_order(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B", "C"))
        a, b, c = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"id": c.pk}, {"id": a.pk}, {"name": "New one"}, {"id": b.pk, "name": "B2"}])
        assert [(s.name, s.order) for s in pipeline.stages.order_by("order")] == [
            ("C", 0), ("A", 1), ("New one", 2), ("B2", 3)]
        assert [s.pk for s in pipeline.stages.order_by("order")][:2] == [c.pk, a.pk]

    def test_an_empty_stage_is_removed(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B"))
        _a, b = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[{"id": b.pk}])
        assert [(s.pk, s.order) for s in pipeline.stages.all()] == [(b.pk, 0)]

    def test_a_stage_with_leads_is_not_removed(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B"), is_default=True)
        a, b = pipeline.stages.order_by("order")
        services.lead_create(firm=firm, actor=None, first_name="Sara")  # lands in A
        with pytest.raises(ValidationError) as refused:
            services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, name="Renamed",
                                   stages=[{"id": b.pk}])
        assert set(refused.value.message_dict) == {"stages"}
        assert [(s.pk, s.order) for s in pipeline.stages.order_by("order")] == [
            (a.pk, 0), (b.pk, 1)]
        assert Pipeline.objects.get(pk=pipeline.pk).name == pipeline.name

    def test_one_stage_per_status(self, firm):
        with pytest.raises(ValidationError) as refused:
            make_pipeline(firm, [{"name": "Won", "status": "won"},
                                 {"name": "Also won", "status": "won"}])
        assert set(refused.value.message_dict) == {"stages.1.status"}
        assert not Stage.objects.exists()

    def test_statuses_can_swap_in_one_save(self, firm):
        pipeline = make_pipeline(firm, [{"name": "A", "status": "won"},
                                        {"name": "B", "status": "lost"}])
        a, b = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"id": a.pk, "status": "lost"}, {"id": b.pk, "status": "won"}])
        assert [(s.name, s.status) for s in pipeline.stages.order_by("order")] == [
            ("A", "lost"), ("B", "won")]

    def test_a_removed_stages_status_can_be_taken(self, firm):
        pipeline = make_pipeline(firm, [{"name": "Old won", "status": "won"}])
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"name": "New won", "status": "won"}])
        assert [(s.name, s.status) for s in pipeline.stages.all()] == [("New won", "won")]

    def test_another_pipelines_stage_is_not_taken(self, firm):
        mine, theirs = make_pipeline(firm, stage_rows("A")), make_pipeline(firm, stage_rows("X"))
        with pytest.raises(ValidationError) as refused:
            services.pipeline_save(firm=firm, actor=None, pipeline=mine,
                                   stages=[{"id": theirs.stages.get().pk}])
        assert set(refused.value.message_dict) == {"stages.0.id"}
        assert theirs.stages.get().pipeline == theirs

    def test_another_firms_pipeline_is_refused(self, firm, other_firm):
        theirs = make_pipeline(other_firm, stage_rows("X"), name="Theirs")
        with pytest.raises(ValidationError):
            services.pipeline_save(firm=firm, actor=None, pipeline=theirs, name="Mine now")
        assert Pipeline.objects.get(pk=theirs.pk).name == "Theirs"
