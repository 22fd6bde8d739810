"""Affordability: the cardholder's income and expenditure beside the plan's instalment. Pure; no queries.

Disposable income is the monthly income less essential spending and the payments on other debts. A plan
whose largest instalment is more than that needs a reason, recorded with the statement.
"""

from dataclasses import dataclass
from decimal import Decimal

from repayment_plans.calculator import CENT, Schedule


@dataclass(frozen=True)
class IncomeAndExpenditure:
    monthly_income: Decimal
    income_sources: tuple[str, ...]
    household_size: int
    essential_spending: Decimal
    other_debts: Decimal

    @property
    def disposable_income(self) -> Decimal:
        return (self.monthly_income - self.essential_spending - self.other_debts).quantize(CENT)


@dataclass(frozen=True)
class Affordability:
    disposable_income: Decimal
    instalment: Decimal

    @property
    def exceeds(self) -> bool:
        """The instalment is more than the cardholder has left each month."""
        return self.instalment > self.disposable_income


def schedule_instalment(schedule: Schedule) -> Decimal:
    """The largest payment of a schedule: the last carries the remainder of the division."""
    return max((payment.amount for payment in schedule.payments), default=Decimal("0.00"))


def affordability_of(*, statement: IncomeAndExpenditure | None, schedule: Schedule) -> Affordability | None:
    if statement is None:
        return None
    return Affordability(disposable_income=statement.disposable_income, instalment=schedule_instalment(schedule))
