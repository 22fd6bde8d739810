# The browser fixtures live in tests/browsers.py, shared with tests/journeys through tests/conftest.py.
from tests.browsers import login  # noqa: F401 - imported from here by the browser tests
