"""The one table of who may do what (staff/permissions.py), walked against the role matrix the portal
promises, and a guard that no other module keeps a role set of its own."""

import re
from pathlib import Path

import pytest

from core.actors import Cardholder
from staff.models import Role
from staff.permissions import CAPABILITIES, Capability, can, capabilities_of, role_can, roles_with
from tests.factories import UserFactory, staff_user

ROOT = Path(__file__).resolve().parents[2]

# Columns: agent, field agent, supervisor, manager, compliance, admin, legal officer, agency agent, agency manager,
# and the cardholder on their own page (core.actors.Cardholder, not a login). "x" may, "." may not.
MATRIX = """
work_cases              x x x x . . . x x .
have_queue              x . x . . . . x . .
take_promises           x x x x . . . x x .
authorise_contact_exceptions  . . x x . . . . . .
approve_plans           . . x x . . . . . .
propose_write_offs      . . x x . . x . . .
approve_write_offs      . . x x . . . . . .
decide_referrals        . . x x . . . . . .
decide_reviews          . . x x . . . . . .
release_holds           . . x x x . . . . .
approve_holds           . . x x . . . . . .
work_specialist_cases   . . x x . . . . . .
fix_confirm_exceptions  . . x x . . . . . .
request_visits          x x x x . x . . . .
plan_visits             . . x x . x . . . .
make_visits             . x . . . . . . . .
view_dashboards         . . x x x x . . . .
manage_teams            . . x x . x . . . .
read_audit              . . . x x x . . . .
build_cardholder_file   . . . x x . . . . .
work_litigation         . . x x . . x . . .
legal_queue             . . x x . . x . . .
use_two_factor          . . x x . x . x x .
hold_cases              x x . . . . . . . .
see_every_case          . . . x x x . . . .
serve_themselves        . . . . . . . . . x
see_internal_records    x x x x x x x . . .
work_placed_cases       . . . . . . . x x .
require_two_factor      . . . . . . . x x .
manage_agencies         . . . x . x . . . .
place_cases             . . x x . . . . . .
view_agency_figures     . . x x x . . . x .
approve_statements      . . . x . . . . . .
"""
STAFF_COLUMNS = [Role.AGENT, Role.FIELD_AGENT, Role.SUPERVISOR, Role.MANAGER, Role.COMPLIANCE, Role.ADMIN,
                 Role.LEGAL_OFFICER, Role.AGENCY_AGENT, Role.AGENCY_MANAGER]
COLUMNS = [*STAFF_COLUMNS, Cardholder.role]


def expected() -> dict[str, set[str]]:
    table = {}
    for line in MATRIX.strip().splitlines():
        name, *marks = line.split()
        table[name] = {role for role, mark in zip(COLUMNS, marks, strict=True) if mark == "x"}
    return table


def test_the_table_is_the_role_matrix():
    assert {str(capability): set(roles) for capability, roles in CAPABILITIES.items()} == expected()


def test_every_capability_has_a_row_and_every_role_a_column():
    assert set(CAPABILITIES) == set(Capability)
    assert set(STAFF_COLUMNS) == set(Role.values)


@pytest.mark.parametrize("role", STAFF_COLUMNS)
def test_a_user_can_what_their_role_can(db, role):
    user = staff_user(role, None, user__username=f"u-{role}")
    mine = {name for name, roles in expected().items() if role in roles}
    assert capabilities_of(user) == mine
    assert all(can(user, capability) == (str(capability) in mine) for capability in Capability)


def test_the_cardholder_can_only_serve_themselves():
    cardholder = Cardholder(customer_id=1, link_id=1)
    assert capabilities_of(cardholder) == {"serve_themselves"}
    assert can(cardholder, Capability.SERVE_THEMSELVES) and not can(cardholder, Capability.TAKE_PROMISES)
    assert not can(cardholder, Capability.WORK_CASES) and not can(cardholder, Capability.SEE_EVERY_CASE)


def test_a_login_without_a_staff_profile_can_nothing(db):
    outsider = UserFactory(username="outsider")
    assert capabilities_of(outsider) == frozenset()
    assert not any(can(outsider, capability) for capability in Capability)
    assert not role_can(None, Capability.WORK_CASES) and roles_with(Capability.MAKE_VISITS) == {Role.FIELD_AGENT}


ROLE_NAMES = "agent|field_agent|supervisor|manager|compliance|admin|legal_officer|agency_agent|agency_manager"
ONE_ROLE = rf"(?:Role\.[A-Z_]+|\"(?:{ROLE_NAMES})\")"
ROLE_SET = re.compile(rf"[({{]\s*{ONE_ROLE}\s*,\s*{ONE_ROLE}")


def test_no_module_keeps_a_role_set_of_its_own():
    """Two or more roles written together outside staff/permissions.py is a rule written twice."""
    assert ROLE_SET.search("x in (Role.AGENT, Role.FIELD_AGENT)") and ROLE_SET.search('{"supervisor", "manager"}')
    not_product = {"tests", "bench", "faults", "load", "demo", "scripts"}
    packages = [d for d in ROOT.iterdir() if (d / "__init__.py").exists() and d.name not in not_product]
    found = []
    for path in (path for package in packages for path in package.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        # The table itself, and the default authority limits, which are data keyed by role.
        if "/migrations/" in relative or relative in ("staff/permissions.py", "repayment_plans/defaults.py"):
            continue
        if ROLE_SET.search(path.read_text()):
            found.append(relative)
    assert packages and found == []
