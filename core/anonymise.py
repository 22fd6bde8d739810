"""Where personal data lives, so that a cardholder past retention can be anonymised everywhere at once.

Each app registers, from its AppConfig.ready(), a `Scrub` for every model that holds names, numbers,
addresses, free text or uploaded files of a cardholder: which fields to blank, which to set to a fixed
value, which files to delete, which JSON keys to drop, and how to reach the cardholder from the model.
`cases.retention` decides who is past retention and runs every registered scrub for them in one
transaction. A field added to a model is anonymised by adding its name to that app's Scrub; a test walks
the models and fails on an encrypted field, file or free-text field nobody registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction
from django.db.models import Case as DbCase
from django.db.models import F, Func, Q, Value, When

# What a name reads as once anonymised.
ANONYMISED = "anonymised"


@dataclass(frozen=True)
class Cardholder:
    """The cardholder being anonymised, as the scrubs need them."""

    customer_id: int
    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class Scrub:
    model: str  # "app_label.ModelName"
    # The ORM path from the model to the cardholder's id: "pk", "customer", "case__account__customer"; empty
    # when the rows name no cardholder, and `also` finds and clears them.
    customer_path: str
    # Set to "" (text, encrypted text, keyed hashes).
    fields: tuple[str, ...] = ()
    # Set to these values instead (a placeholder name, zero, None, an expression), where "" would not fit.
    values: dict = field(default_factory=dict)
    # Uploaded files: deleted from storage once the transaction commits, and the name cleared.
    files: tuple[str, ...] = ()
    # JSON fields from which these keys are dropped.
    json_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Anything not in a column of this model (files written outside a FileField, say), run before the
    # columns are cleared so it can still read them. It may return, per case id, what the case's
    # `cardholder.anonymised` event tells the systems outside (the recordings they may now destroy).
    also: Callable[[Cardholder], dict[int, dict] | None] | None = None

    def covered(self) -> set[str]:
        return {*self.fields, *self.values, *self.files, *self.json_keys}


def placeholder(*names: str):
    """For `Scrub.values`: ANONYMISED where any of these fields holds something, "" where all are empty.
    For text a constraint requires (a resolved complaint's resolution, a hold's evidence)."""
    empty = Q(**{name: "" for name in names})
    return DbCase(When(empty, then=Value("")), default=Value(ANONYMISED), output_field=models.TextField())


_SCRUBS: dict[str, Scrub] = {}


def anonymise_register(scrub: Scrub) -> None:
    """Register (or replace) what anonymisation clears in `scrub.model`."""
    _SCRUBS[scrub.model] = scrub


def anonymise_scrubs() -> list[Scrub]:
    return list(_SCRUBS.values())


def anonymise_covered() -> dict[str, set[str]]:
    """Model label → the fields anonymisation clears in it."""
    return {label: scrub.covered() for label, scrub in _SCRUBS.items()}


@dataclass
class Anonymised:
    rows: dict[str, int] = field(default_factory=dict)  # model label → rows changed
    notices: dict[int, dict] = field(default_factory=dict)  # case id → what its event tells the systems outside


def anonymise_apply(cardholder: Cardholder) -> Anonymised:
    """Run every registered scrub for one cardholder, in the caller's transaction.

    Set-based: one UPDATE per model, whatever the number of rows. Files are deleted only after the
    transaction commits, so a rollback leaves every file where its row says it is.
    """
    done = Anonymised()
    for scrub in _SCRUBS.values():
        model = apps.get_model(scrub.model)
        rows = (model._default_manager.filter(**{scrub.customer_path: cardholder.customer_id})
                if scrub.customer_path else model._default_manager.none())
        if scrub.also is not None:
            for case_id, notice in (scrub.also(cardholder) or {}).items():
                done.notices.setdefault(case_id, {}).update(notice)
        for name in scrub.files:
            names = [value for value in rows.exclude(**{name: ""}).values_list(name, flat=True) if value]
            _delete_files_on_commit(model._meta.get_field(name).storage, names)
        update = {name: "" for name in (*scrub.fields, *scrub.files)}
        update.update(scrub.values)
        for name, keys in scrub.json_keys.items():
            update[name] = Func(F(name), Value(list(keys), output_field=ArrayField(models.TextField())),
                                arg_joiner=" - ", template="(%(expressions)s)", output_field=models.JSONField())
        done.rows[scrub.model] = rows.update(**update) if update else 0
    return done


def _delete_files_on_commit(storage, names: list[str]) -> None:
    def delete(names=tuple(names)):
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)
