"""The API's one request parser: DRF's JSON parser with the limits of ``api.input_limits``."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from api.errors import RequestTooLarge
from api.input_limits import UnacceptableInput, check_json_depth, check_parsed_json


class LimitedJSONParser(JSONParser):
    """JSON bodies of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (else 413), nested at most
    ``MAX_JSON_DEPTH`` deep, with no NUL or lone surrogate in any string or key (else 400 parse_error)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode(get_encoding(parser_context or {}))
            check_json_depth(text)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
            check_parsed_json(data)
        except UnacceptableInput as error:
            raise ParseError(str(error)) from None
        except ValueError as error:  # bad JSON, or bytes that are not in the request's charset
            raise ParseError(f"JSON parse error - {error}") from None
        return data
