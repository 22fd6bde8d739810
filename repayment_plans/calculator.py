"""The plan calculator: what is waived, what remains, and the schedule of payments. Pure; no queries.

Money is Decimal to the cent. Waivers and instalments are floored to the cent; the remainder of the
division goes on the last instalment, so the instalments always add up to the total exactly.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
PARTS = ("principal", "interest", "fees", "penalty")
CHARGES = ("interest", "fees", "penalty")


@dataclass(frozen=True)
class ScheduledPayment:
    number: int
    due_date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Schedule:
    owed: dict[str, Decimal]
    waived: dict[str, Decimal]
    total: Decimal
    payments: list[ScheduledPayment]
    months: int  # from the proposal day to the last payment, rounded up
    charges_waiver_percent: Decimal  # of interest + fees + penalty together
    principal_waiver_percent: Decimal

    @property
    def waived_total(self) -> Decimal:
        return sum(self.waived.values(), Decimal("0.00"))


def floor_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end`, counting a part month as one."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(months + (1 if end.day > start.day else 0), 0)


def split_evenly(total: Decimal, count: int) -> list[Decimal]:
    """`count` amounts floored to the cent, the remainder on the last one; they add up to `total`."""
    if count < 1:
        raise ValueError("count must be at least 1")
    each = floor_cent(total / count)
    return [each] * (count - 1) + [total - each * (count - 1)]


def schedule_calculate(
    *, owed: dict[str, Decimal], waivers: dict[str, Decimal], count: int, first_due_date: dt.date,
    today: dt.date,
) -> Schedule:
    """The schedule for paying what is owed, less the waivers (percent per part), in `count` monthly payments.

    `owed` and `waivers` are keyed by PARTS; a missing waiver is 0 %. Raises ValueError on a negative
    amount, a waiver outside 0–100 % or a count below 1.
    """
    owed = {part: Decimal(owed.get(part, 0)) for part in PARTS}
    waivers = {part: Decimal(waivers.get(part, 0)) for part in PARTS}
    if any(value < 0 for value in owed.values()):
        raise ValueError("amounts owed cannot be negative")
    if any(not 0 <= value <= HUNDRED for value in waivers.values()):
        raise ValueError("a waiver is between 0 and 100 %")
    waived = {part: floor_cent(owed[part] * waivers[part] / HUNDRED) for part in PARTS}
    total = sum(owed.values(), Decimal("0.00")) - sum(waived.values(), Decimal("0.00"))
    payments = [ScheduledPayment(number=index + 1, due_date=add_months(first_due_date, index), amount=amount)
                for index, amount in enumerate(split_evenly(total, count))] if total > 0 else []
    charges_owed = sum((owed[part] for part in CHARGES), Decimal("0"))
    charges_waived = sum((waived[part] for part in CHARGES), Decimal("0"))
    charges_percent = ((charges_waived * HUNDRED / charges_owed).quantize(CENT, rounding=ROUND_UP)
                       if charges_owed else Decimal("0.00"))
    last = payments[-1].due_date if payments else first_due_date
    return Schedule(owed=owed, waived=waived, total=total, payments=payments, months=months_between(today, last),
                    charges_waiver_percent=charges_percent, principal_waiver_percent=waivers["principal"])
