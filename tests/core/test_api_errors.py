from rest_framework.exceptions import ErrorDetail

from core.api import flatten


def test_nested_errors_are_named_by_their_path_with_list_indexes_in_brackets():
    detail = {"items": {3: {"amount": [ErrorDetail("Too many decimals.", code="max_decimal_places")]}},
              "non_field_errors": [ErrorDetail("Bad.", code="invalid")]}
    assert flatten(detail) == [
        {"field": "items[3].amount", "code": "max_decimal_places", "message": "Too many decimals."},
        {"field": None, "code": "invalid", "message": "Bad."},
    ]
