import pytest

from cases.lifecycle import Stage
from litigation.services import litigation_open
from tests.factories import CaseFactory


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}


@pytest.fixture
def record(team, supervisor, _media):
    """A case of the team in legal, with its litigation record as the review leaves it."""
    return litigation_open(case=CaseFactory(assigned_team=team, stage=Stage.LEGAL), actor=supervisor)
