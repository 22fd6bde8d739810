"""The alert rules and the Grafana dashboard in docs/operations/ name only figures /metrics carries."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs" / "operations"
SUFFIXES = ("_bucket", "_sum", "_count")


def defined_metrics() -> set[str]:
    names = set()
    for source in (ROOT / "core" / "metrics.py", ROOT / "monitoring" / "collectors.py"):
        names |= set(re.findall(r'"(portal_[a-z_]+)"', source.read_text()))
    return names


def used(text: str) -> set[str]:
    found = set()
    for name in re.findall(r"portal_[a-z_]+", text):
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        found.add(name)
    return found


def test_the_alert_rules_cover_the_operators_alarms_and_name_known_figures():
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {"BeatSilent", "OutboxBacklogOld", "EscalationPassSlow", "EscalationPassFailing", "DeliveryFailuresHigh",
            "ComplaintsPastSla"} <= set(alerts)
    assert "> 600" in alerts["BeatSilent"]["expr"] and "> 300" in alerts["OutboxBacklogOld"]["expr"]
    assert "> 600" in alerts["EscalationPassSlow"]["expr"]
    for rule in alerts.values():
        assert used(rule["expr"]) <= defined_metrics(), rule["alert"]
        assert rule["annotations"]["runbook"].startswith("docs/operations.md#")


def test_the_dashboard_is_valid_json_and_names_known_figures():
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert exprs and used(" ".join(exprs)) <= defined_metrics()
    # Every figure /metrics carries has a panel.
    assert defined_metrics() - {"portal_scrape_source_seconds", "portal_open_cases_refreshed_timestamp_seconds",
                                "portal_escalation_last_run_started_timestamp_seconds",
                                "portal_escalation_last_run_chunks"} <= used(" ".join(exprs))


def test_every_runbook_anchor_named_by_an_alert_exists():
    runbook = (ROOT / "docs" / "operations.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
               for line in runbook.splitlines() if line.startswith("#")}
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["annotations"]["runbook"].split("#")[1] in anchors, rule["alert"]
