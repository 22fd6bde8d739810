from tests.escalation.conftest import default_policy  # noqa: F401
