from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BaseRenderer


class JSONRenderer(CamelCaseJSONRenderer):
    """JSON with camelCase keys; the envelopes are built by the views and the exception handler."""

    charset = "utf-8"


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept `?format=csv`; list views stream the CSV body themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("list views stream CSV; other answers are rendered as JSON")
