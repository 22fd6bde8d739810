import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def default_policy(request):
    """The policy and profiles the migrations install, put back when a transactional test flushed them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from contacts.models import JurisdictionProfile
    from escalation.defaults import install_default_policy, install_jurisdiction_profiles
    from escalation.models import Policy, PolicyAction, PolicyTier, PolicyVersion

    install_default_policy(Policy, PolicyVersion, PolicyTier, PolicyAction,
                           effective_from=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    install_jurisdiction_profiles(JurisdictionProfile)
