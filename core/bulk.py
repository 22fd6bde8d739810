"""Set-based inserts and updates of many rows, without building a model instance per row."""

from django.db import connection, models

from core.crypto import EncryptedTextField

# Fields whose value Django must prepare even on PostgreSQL: JSON, and encryption of personal data.
PREPARED_FIELDS = (models.JSONField, EncryptedTextField)


def bulk_update_rows(*, model, rows: list[dict], fields: list[str]) -> int:
    """Update `fields` of the rows of `model` whose `id` is in `rows` (dicts with "id" and the fields).

    One `UPDATE … FROM (VALUES …)` on PostgreSQL; Django's `bulk_update` elsewhere.
    """
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        return model.objects.bulk_update(objs, fields)
    table = model._meta.db_table
    columns = [model._meta.get_field(name) for name in fields]
    casts = [f"%s::{column.db_type(connection)}" for column in columns]
    values_sql = ", ".join(["(%s::bigint, " + ", ".join(casts) + ")"] * len(rows))
    params = []
    # psycopg2 adapts plain values itself; JSON and encrypted fields need Django's preparation.
    pairs = [(name, column if isinstance(column, PREPARED_FIELDS) else None)
             for name, column in zip(fields, columns, strict=True)]
    for row in rows:
        params.append(row["id"])
        params.extend(row[name] if column is None else column.get_db_prep_save(row[name], connection)
                      for name, column in pairs)
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = v.{connection.ops.quote_name(c.column)}"
                            for c in columns)
    sql = (f"UPDATE {connection.ops.quote_name(table)} AS t SET {assignments} "  # noqa: S608
           f"FROM (VALUES {values_sql}) AS v(id, {names}) WHERE t.id = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def bulk_insert(*, model, rows: list[dict], conflict: list[str] | None = None,
                returning: list[str] | None = None) -> list[tuple]:
    """Insert `rows` (dicts of field name to value, the same fields in each) in one statement per 1,000.

    With `conflict` (the fields of a unique constraint), rows that already exist are skipped
    (`ON CONFLICT … DO NOTHING`). Returns the `returning` columns of the rows actually inserted.
    Unlike `bulk_create`, no model instance is built: each row must give every non-null column.
    """
    if not rows:
        return []
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    postgres = connection.vendor == "postgresql"
    # psycopg2 adapts str, int, Decimal, date and aware datetimes itself; other backends and JSON need Django.
    prepare = [None if postgres and not isinstance(field, PREPARED_FIELDS) else field for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(quote(model._meta.get_field(n).column) for n in conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(quote(model._meta.get_field(n).column) for n in returning)}"
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    found: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            params = []
            for row in chunk:
                for name, field in zip(names, prepare, strict=True):
                    value = row[name]
                    params.append(value if field is None else field.get_db_prep_save(value, connection))
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
