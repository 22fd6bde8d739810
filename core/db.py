"""Small database expressions that Django lacks."""

import datetime as dt

from django.db.models import DateField, Func, IntegerField, Value


class DaysSince(Func):
    """Whole days from a date column to a given day: `day - column`, as an integer."""

    output_field = IntegerField()

    def __init__(self, day: dt.date, column, **extra):
        super().__init__(Value(day, output_field=DateField()), column, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        day, column = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"({day[0]} - {column[0]})", [*day[1], *column[1]]
