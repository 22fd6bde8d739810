"""Set-based updates of many rows by primary key, each row with its own values."""

from django.db import connection


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
    pairs = list(zip(fields, columns, strict=True))
    for row in rows:
        params.append(row["id"])
        params.extend(column.get_db_prep_save(row[name], connection) for name, column in pairs)
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = v.{connection.ops.quote_name(c.column)}"
                            for c in columns)
    sql = (f"UPDATE {connection.ops.quote_name(table)} AS t SET {assignments} "  # noqa: S608
           f"FROM (VALUES {values_sql}) AS v(id, {names}) WHERE t.id = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
