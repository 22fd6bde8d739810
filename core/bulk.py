"""Set-based inserts and updates of many rows, without building a model instance per row.

On PostgreSQL the rows travel as one JSON document (an array of arrays) bound to a single parameter and
unpacked with `jsonb_array_elements`. A `VALUES` list of a thousand rows costs a placeholder per value to
quote in Python and to parse and plan in the server, which is more than the write itself; one document
costs neither. Values JSON cannot carry exactly (a field type without a text form below, an integer over
64 bits) fall back to the `VALUES` list.
"""

import decimal
import json

import orjson
from django.db import connection, models

from core.crypto import EncryptedTextField

# Field types whose values JSON carries as text that PostgreSQL reads back exactly with a cast.
JSON_SAFE_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "ForeignKey", "OneToOneField",
    "CharField", "TextField", "SlugField", "EmailField", "URLField", "DecimalField", "DateField", "DateTimeField",
    "BooleanField", "JSONField", "ArrayField",
})
PAGE = 1000


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent as JSON")


def _document(rows: list[list]) -> str | None:
    """The rows as one JSON text, or None when a value has no JSON form here (its type, an integer over 64 bits).

    Dates and datetimes go as ISO 8601 (aware ones with their offset), decimals as their exact text.
    """
    try:
        return orjson.dumps(rows, default=_json_default).decode()
    except orjson.JSONEncodeError:
        return None


def _json_ready(fields) -> bool:
    return all(
        isinstance(field, EncryptedTextField) or field.get_internal_type() in JSON_SAFE_TYPES for field in fields)


def _read(field, position: int) -> str:
    """The SQL that reads the value at `position` of a row `r` of the document, as the column's type."""
    return f"(r ->> {position})::{field.db_type(connection)}"


def _value_maker(field, *, document: bool):
    """How a row's value for `field` is prepared: None when it goes as it is."""
    if field.get_internal_type() == "ArrayField" and document:
        # As PostgreSQL's own text form of the array, read back with a cast to the array type.
        return lambda value: None if value is None else pg_array(value)
    if isinstance(field, models.JSONField):
        if document:  # as JSON text inside the document, read back with a cast to jsonb; None stays NULL
            return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _prepared(rows: list[dict], names: list[str], fields: list, *, document: bool) -> list[list]:
    # Personal data is encrypted a column at a time, which is much cheaper than a value at a time.
    batched = [position for position, field in enumerate(fields) if isinstance(field, EncryptedTextField)]
    makers = [(position, maker) for position, field in enumerate(fields)
              if position not in batched and (maker := _value_maker(field, document=document)) is not None]
    out = [[row[name] for name in names] for row in rows]
    for position, maker in makers:
        for values in out:
            values[position] = maker(values[position])
    for position in batched:
        for values, token in zip(out, fields[position].get_db_prep_save_many([v[position] for v in out]), strict=True):
            values[position] = token
    return out


def _rows_document(rows: list[dict], names: list[str], fields: list) -> str | None:
    if not _json_ready(fields):
        return None
    return _document(_prepared(rows, names, fields, document=True))


def bulk_update_rows(*, model, rows: list[dict], fields: list[str]) -> int:
    """Update `fields` of the rows of `model` whose `id` is in `rows` (dicts with "id" and the fields).

    One `UPDATE … FROM` per 1,000 rows.
    """
    if not rows:
        return 0
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column.column) for column in columns)
    assignments = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns)
    key = model._meta.pk
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), PAGE):
            chunk = rows[start:start + PAGE]
            document = _rows_document(chunk, ["id", *fields], [key, *columns])
            if document is not None:
                reads = ", ".join(_read(column, position) for position, column in enumerate(columns, start=1))
                source = f"SELECT (r ->> 0)::bigint, {reads} FROM jsonb_array_elements(%s::jsonb) AS r"  # noqa: S608
                params = [document]
            else:
                casts = ", ".join(f"%s::{column.db_type(connection)}" for column in columns)
                source = "VALUES " + ", ".join([f"(%s::bigint, {casts})"] * len(chunk))
                params = [value for row in _prepared(chunk, ["id", *fields], [key, *columns], document=False)
                          for value in row]
            cursor.execute(f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
                           f"FROM ({source}) AS v(id, {names}) WHERE t.id = v.id", params)
            updated += cursor.rowcount
    return updated


def bulk_insert(*, model, rows: list[dict], conflict: list[str] | None = None, conflict_where: str = "",
                returning: list[str] | None = None) -> list[tuple]:
    """Insert `rows` (dicts of field name to value, the same fields in each) in one statement per 1,000.

    Rows are inserted in the order given. With `conflict` (the fields of a unique constraint), rows that
    already exist are skipped (`ON CONFLICT … DO NOTHING`); `conflict_where` names a partial unique index by
    its predicate (SQL, e.g. `external_id <> ''`). Returns the `returning` columns of the rows
    actually inserted. Unlike `bulk_create`, no model instance is built: each row must give every
    non-null column.
    """
    if not rows:
        return []
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(quote(model._meta.get_field(n).column) for n in conflict)})"
        tail += f" WHERE {conflict_where} DO NOTHING" if conflict_where else " DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(model._meta.get_field(n).column) for n in returning)}"
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), PAGE):
            chunk = rows[start:start + PAGE]
            document = _rows_document(chunk, names, fields)
            if document is not None:
                reads = ", ".join(_read(field, position) for position, field in enumerate(fields))
                cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                               f"SELECT {reads} FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS e(r, n) "
                               f"ORDER BY n{tail}", [document])
            else:
                params = [value for row in _prepared(chunk, names, fields, document=False) for value in row]
                cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                               f"VALUES {', '.join([row_sql] * len(chunk))}{tail}", params)
            if returning:
                found.extend(cursor.fetchall())
    return found


def pg_array(values) -> str:
    """PostgreSQL's text form of an array, `{"a","b",NULL}`, to pass as one parameter cast to `type[]`.

    Thousands of values travel as one string the server parses in a pass, where a list parameter would
    become an `ARRAY[...]` expression of one constant per value, costly to build, parse and plan.
    Dates and datetimes are written in ISO 8601 (with their offset), numbers and Decimals as text.
    """
    values = list(values)
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    written = {}  # values repeat (a channel, a status, a moment): each is escaped once

    def element(value) -> str:
        if value is None:
            return "NULL"
        text = written.get(value)
        if text is None:
            raw = value.isoformat() if hasattr(value, "isoformat") else str(value)
            text = written[value] = '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return text

    return "{" + ",".join(map(element, values)) + "}"
