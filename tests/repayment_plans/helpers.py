import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from cases.lifecycle import Stage
from cases.services import case_transition
from core.actors import SYSTEM
from repayment_plans.calculator import add_months
from repayment_plans.plans import plan_propose
from tests.factories import CaseFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
TODAY = NOW.date()


def contact_case(user, **kwargs):
    team = user.profile.team
    case = CaseFactory(assigned_team=team, **kwargs)
    return case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="First contact.", at=NOW)


def propose(case, actor, *, kind="instalments", count=12, first=None, at=NOW, basis="beyond_ability_willing",
            statement=None, shortfall_reason="", **waivers):
    """Propose a monthly plan whose first payment is due a month from NOW (so `count` payments last `count` months)."""
    return plan_propose(case=case, kind=kind, count=count, first_due_date=first or add_months(TODAY, 1),
                        waivers={part: Decimal(str(value)) for part, value in waivers.items()}, actor=actor, at=at,
                        basis=basis, statement=statement, shortfall_reason=shortfall_reason)
