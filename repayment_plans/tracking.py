"""What a batch of payments does to promises and plans: the seam the payment ingest calls."""

import datetime as dt

from repayment_plans.promises import promises_evaluate


def agreements_payments_applied(*, case_ids: list[int], at: dt.datetime) -> None:
    """Called inside the payment batch's transaction with the open cases it paid, after the money is applied."""
    promises_evaluate(case_ids=case_ids, at=at)
