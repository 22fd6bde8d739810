"""Data for the load scenario: demo cases shared out between LOAD_AGENTS agents, and a core-system token.

Prints the token on its last line.
"""

import os

import django

django.setup()

from django.db import transaction  # noqa: E402

from api.services import api_client_create  # noqa: E402
from cases.models import Case  # noqa: E402
from demo.services import demo_seed  # noqa: E402
from staff.models import Role, Team  # noqa: E402
from staff.services import staff_create  # noqa: E402

AGENTS = int(os.environ.get("LOAD_AGENTS", "50"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-pass-2026")

demo_seed(cases=int(os.environ.get("LOAD_CASES", "2000")))
teams = list(Team.objects.order_by("id"))
with transaction.atomic():
    agents = [staff_create(username=f"load{i:02d}", role=Role.AGENT, password=PASSWORD, team=teams[i % len(teams)])
              for i in range(AGENTS)]
    # Share the open cases out, so that each agent works a queue of their own team's cases.
    for index, case_id in enumerate(Case.objects.order_by("id").values_list("id", flat=True)):
        agent = agents[index % AGENTS]
        Case.objects.filter(pk=case_id).update(assigned_agent=agent, assigned_team=agent.profile.team)
print(api_client_create(name="load-core-system", scopes=["ingest", "read"])[1])
