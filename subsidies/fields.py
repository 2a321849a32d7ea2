"""Model fields of the subsidies app."""

from __future__ import annotations

import json
from typing import TypedDict

from django.db import models

try:
    import orjson
except ImportError:  # requirements.txt pins it; the standard library reads and writes the same JSON, only slower
    orjson = None  # type: ignore[assignment]  # checked before every use


class DecimalPlaces(TypedDict):
    """The digits of a DecimalField (`models.DecimalField(..., **MONEY)`)."""

    max_digits: int
    decimal_places: int


class EncodedJSON(str):
    """A document already encoded (e.g. while a batch is computed, to hold text rather than objects): stored as is."""


def dumps(value) -> EncodedJSON:
    if orjson is not None:
        return EncodedJSON(orjson.dumps(value).decode())
    return EncodedJSON(json.dumps(value, ensure_ascii=False))


def loads(text: str):
    return orjson.loads(text) if orjson is not None else json.loads(text)


class JSONDocumentField(models.TextField):
    """A JSON document kept as text: written once, always read whole, never queried inside.

    A settlement line's explanation is such a document. PostgreSQL takes text in about twice as fast as jsonb,
    which it would parse and re-encode (measured: COPY of a province's 30,000 explanations, 1.2 s as text,
    2.1 s as jsonb); nothing is lost, since no query looks inside the document."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else loads(value)

    def to_python(self, value):
        if isinstance(value, str):  # an EncodedJSON too
            return loads(value)
        return value

    def get_prep_value(self, value):
        if value is None or isinstance(value, EncodedJSON):
            return value
        return dumps(value)

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
