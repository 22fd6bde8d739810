import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Account, Case, Customer, Payment
from staff.models import Role, StaffProfile, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    region = "华东 East"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    role = Role.AGENT
    team = factory.SubFactory(TeamFactory)
    # Tests read the English interface; those about Chinese set it on the profile themselves.
    language = "en"


def staff_user(role: str, team: Team | None = None, **kwargs):
    profile = StaffProfileFactory(role=role, team=team, **kwargs)
    return profile.user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST-{n:06d}")
    name = factory.Faker("name", locale="zh_CN")
    national_id = factory.Faker("ssn", locale="zh_CN")
    phone = factory.Faker("phone_number", locale="zh_CN")
    region = "上海"
    timezone = "Asia/Shanghai"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    account_number = factory.Sequence(lambda n: f"6222{n:012d}")
    customer = factory.SubFactory(CustomerFactory)
    currency = "CNY"
    credit_limit = Decimal("50000.00")


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row as it would stand at a given stage. Tests of transitions build it at confirm."""

    class Meta:
        model = Case

    account = factory.SubFactory(AccountFactory)
    currency = "CNY"
    principal_overdue = Decimal("10000.00")
    interest_overdue = Decimal("150.00")
    fees_overdue = Decimal("50.00")
    penalty_overdue = Decimal("25.50")
    overdue_since = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=20))


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    transaction_id = factory.Sequence(lambda n: f"TX-{n:08d}")
    account = factory.SubFactory(AccountFactory)
    amount = Decimal("100.00")
    currency = "CNY"
    paid_at = factory.LazyFunction(timezone.now)
