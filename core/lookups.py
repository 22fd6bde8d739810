"""`field__any=[...]`: membership in a list of keys, bound as one array parameter on PostgreSQL.

`__in` prepares every value in Python and writes a placeholder for each, which PostgreSQL then parses
and plans; for the thousand keys of an ingest batch that costs more than the lookup itself. The values
must already be of the column's Python type (int for ids, str for text). On other databases it is `__in`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, lookups


class Any(lookups.In):
    lookup_name = "any"

    def get_prep_lookup(self):
        if not self.rhs_is_direct_value():
            return super().get_prep_lookup()
        return list(self.rhs)

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Field.register_lookup(Any)
# Relations keep lookups of their own; `case_id__any=[ids]` compares the ids as they are.
ForeignObject.register_lookup(Any)
