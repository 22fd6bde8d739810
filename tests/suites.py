"""The suite's four parts, run in one command and reported apart.

Every test is marked with the part it belongs to, by its folder or the fixtures it asks for:
- journeys: tests/journeys/, a working day across apps in the browser;
- browser: the other Playwright tests (tests/browser/, or marked browser);
- smoke: real processes on the embedded defaults (marked smoke);
- worker: a real Celery worker on Redis (the `worker` fixture);
- unit: everything else.
`pytest -m worker` runs one part; at the end of any run, a line per part gives its counts and time.
"""

from collections import defaultdict
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SUITES = ("unit", "worker", "smoke", "browser", "journeys")
_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def _suite(item) -> str:
    try:
        folder = item.path.resolve().relative_to(TESTS).parts[0]
    except ValueError:
        folder = ""
    if folder == "journeys":
        return "journeys"
    if folder == "browser" or item.get_closest_marker("browser"):
        return "browser"
    if item.get_closest_marker("smoke"):
        return "smoke"
    if "worker" in getattr(item, "fixturenames", ()):
        return "worker"
    return "unit"


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(_suite(item))


_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_seconds: dict[str, float] = defaultdict(float)


def _suite_of_report(report) -> str:
    return next((suite for suite in reversed(SUITES) if suite in report.keywords), "unit")


def pytest_runtest_logreport(report):
    suite = _suite_of_report(report)
    _seconds[suite] += report.duration
    if report.when == "call" or (report.when == "setup" and not report.passed) or (
            report.when == "teardown" and report.failed):
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        elif report.when != "call" and report.failed:
            outcome = "error"
        else:
            outcome = report.outcome
        _counts[suite][outcome] += 1


def pytest_terminal_summary(terminalreporter):
    if not _counts:
        return
    terminalreporter.section("by suite")
    for suite in SUITES:
        if suite not in _counts:
            continue
        counts = _counts[suite]
        said = ", ".join(f"{counts[outcome]} {outcome}" for outcome in _OUTCOMES if counts[outcome])
        terminalreporter.write_line(f"{suite:<9} {said} in {_seconds[suite]:.1f} s",
                                    red=bool(counts["failed"] or counts["error"]))
