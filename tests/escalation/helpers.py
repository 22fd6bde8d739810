import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from contacts.models import ScheduledContact
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

SH = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on 30 November 2026: inside contact hours.
AS_OF = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def case_at_dpd(dpd: int, *, as_of=AS_OF, zone="Asia/Shanghai", total=Decimal("10000.00"), email="", customer=None,
                **kwargs):
    """A case whose cardholder in `zone` is `dpd` days past due at `as_of`, owing `total` in principal: a new
    cardholder's, or another card of `customer`."""
    local_today = as_of.astimezone(ZoneInfo(zone)).date()
    account = AccountFactory(customer=customer or CustomerFactory(timezone=zone, email=email))
    return CaseFactory(account=account, overdue_since=local_today - dt.timedelta(days=dpd), principal_overdue=total,
                       interest_overdue=Decimal("0"), fees_overdue=Decimal("0"), penalty_overdue=Decimal("0"),
                       **kwargs)


def rules_of(case) -> list[str]:
    return sorted(ScheduledContact.objects.filter(case=case).values_list("rule", flat=True))
