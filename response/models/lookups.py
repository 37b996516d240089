"""``field__any=[…]``: membership in a list sent as one parameter.

``__in`` writes a placeholder per value: for a batch's 200 ids Django prepares each, psycopg scans
the statement for 200 placeholders and PostgreSQL parses 200 constants — about 1 ms of the
worker's CPU per query, several queries per batch. ``__any`` sends the list whole: an array on
PostgreSQL (``= ANY(%s::type[])``), a JSON list on SQLite (``IN (SELECT value FROM json_each(%s))``).
Same rows as ``__in``; an empty list matches nothing.
"""
from __future__ import annotations

import json
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"

    def get_prep_lookup(self) -> list[Any]:
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def get_db_prep_lookup(self, value: list[Any], connection: Any) -> tuple[str, list[Any]]:
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in value]
        if connection.vendor == "postgresql":
            return f"%s::{field.db_type(connection)}[]", [values]
        return "%s", [json.dumps(values)]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.get_db_prep_lookup(self.rhs, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


# Relations answer only the lookups registered on them (``event_id__any``, ``event__any``).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
