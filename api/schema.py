"""Make the OpenAPI schema say exactly what the API enforces (a drf-spectacular postprocessing hook).

- A batch envelope is `{"items": [...]}` with 1 to API_BATCH_MAX_ITEMS items and nothing else: anything
  else is refused whole with 400.
- Its items are checked field by field and answered one by one: an item that breaks its format (a
  missing field, a wrong type, an unknown field, even a value that is not an object) is answered
  `rejected` in its own result, with its errors, and never makes the batch a 400. The schema says so by
  describing an item as its documented format *or any other value*, so that a request that is valid by
  the schema is exactly one the API answers 200.
- Free-text query parameters say that they refuse a NUL character.
"""

from django.conf import settings

BATCHES = {"AccountsBatchInput": "AccountItem", "PaymentsBatchInput": "PaymentItem",
           "ContactAttemptsBatchInput": "CallItem", "AccountsRecallInput": "RecallItem"}
# The item formats themselves: what an accepted item looks like. Unknown fields are reported per item.
CLOSED_OBJECTS = ("AccountItem", "PaymentItem", "CustomerIn", "CallItem", "RecordingIn", "RecallItem")

NO_NUL = "^[^\\x00]*$"

ITEM_DESCRIPTION = (
    "An item in the format of `{name}`. Each item is checked on its own: one that does not follow the format "
    "(a missing or unknown field, a wrong type, a value that is not an object) is answered `rejected` in its "
    "result, with an error per field, and never blocks the others."
)


def contract_hook(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for envelope_name, item_name in BATCHES.items():
        envelope = schemas.get(envelope_name)
        if envelope is None:
            continue
        envelope["additionalProperties"] = False
        items = envelope["properties"]["items"]
        items["minItems"] = 1
        items["maxItems"] = settings.API_BATCH_MAX_ITEMS
        items["items"] = {
            "description": ITEM_DESCRIPTION.format(name=item_name),
            "anyOf": [{"$ref": f"#/components/schemas/{item_name}"},
                      {"description": "Any other value: answered `rejected` in its result."}],
        }
    for name in CLOSED_OBJECTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string" \
                        and not {"enum", "format", "pattern"} & set(schema):
                    # Text fields refuse NUL characters (they cannot be stored); say so.
                    schema["pattern"] = NO_NUL
    return result
