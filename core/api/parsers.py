"""Request parsers: bad input is a 400 in the error envelope, never a 500."""

from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from rest_framework.exceptions import ParseError


class JSONParser(CamelCaseJSONParser):
    """camelCase JSON; a document nested deeper than Python's recursion limit (json and the
    camelCase conversion both recurse) is refused as a parse error instead of crashing."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("The JSON document is nested too deeply.")) from error
