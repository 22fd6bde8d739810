from django.utils import translation

import repayment_plans.plans  # noqa: F401 - registers the phrases a plan's history stores
from core.i18n import english, stored_text
from escalation.services import PLAN_REASON
from visits.models import VisitOutcome
from visits.services import POLICY_VISIT


def test_a_phrase_the_system_stored_reads_in_the_readers_language():
    with translation.override("zh-hans"):
        assert stored_text(PLAN_REASON) == "已按催收策略安排：级别、策略和首次联系已确定。"
    with translation.override("en"):
        assert stored_text(PLAN_REASON) == PLAN_REASON


def test_a_stored_phrase_with_a_value_keeps_the_value_as_typed():
    # Phrased as the plan's service writes it: a phrase with values is known from its module's import.
    reason = "Repayment plan rejected: Income not verified"
    with translation.override("zh-hans"):
        assert stored_text(reason) == "还款方案被拒绝：Income not verified"
        assert stored_text(POLICY_VISIT + "T3.visit") == "催收策略：T3.visit"


def test_what_a_person_typed_is_shown_as_typed():
    with translation.override("zh-hans"):
        assert stored_text("客户说下周发工资") == "客户说下周发工资"
        assert stored_text("Left a voicemail") == "Left a voicemail"
        assert stored_text("") == ""


def test_a_label_is_stored_in_english_whoever_is_reading():
    with translation.override("zh-hans"):
        stored = english(VisitOutcome.MET_CARDHOLDER.label)
        assert stored == "Met the cardholder" and stored_text(stored) != stored


def test_an_actor_is_a_login_as_it_is_or_a_system_phrase_in_the_readers_language():
    from core.actors import CARDHOLDER_LABEL, SYSTEM
    from core.templatetags.portal import actor

    with translation.override("zh-hans"):
        # Demo logins share words with the roles ("supervisor", "manager"): a login is never translated.
        assert actor("supervisor") == "supervisor" and actor("manager") == "manager"
        assert actor(SYSTEM) != SYSTEM and actor(CARDHOLDER_LABEL) != CARDHOLDER_LABEL
        assert actor(CARDHOLDER_LABEL) == stored_text(CARDHOLDER_LABEL)


def test_a_chinese_name_is_written_family_name_first_without_a_space():
    from types import SimpleNamespace

    from core.i18n import person_name

    def user(first, last, login="x"):
        return SimpleNamespace(first_name=first, last_name=last, get_username=lambda: login)

    assert person_name(user("海", "黄")) == "黄海"
    assert person_name(user("Jane", "Doe")) == "Jane Doe"
    assert person_name(user("", "", "agent")) == "agent"
