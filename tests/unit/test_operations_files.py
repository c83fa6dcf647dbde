"""The monitoring files shipped in deploy/ and the metrics table in docs/operations.md name only
metrics Pulse exports, so alerts and panels cannot silently point at nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from runagent_pulse.observability.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bpulse_[a-z_]+")
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def exported() -> set[str]:
    metrics = Metrics()
    metrics.run_started("echo", 0.01)  # so labelled families show samples too
    names = set()
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in KNOWN:
            return name.removesuffix(suffix)
    return name


KNOWN = exported()


def referenced(text: str) -> set[str]:
    return {base(name) for name in NAME.findall(text)}


def test_alert_rules_use_exported_metrics() -> None:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/pulse-alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert exprs
    unknown = set().union(*(referenced(e) for e in exprs)) - {base(n) for n in KNOWN}
    assert not unknown


def test_dashboard_panels_use_exported_metrics() -> None:
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/pulse.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    unknown = set().union(*(referenced(e) for e in exprs)) - {base(n) for n in KNOWN}
    assert not unknown


def test_the_operations_doc_lists_every_metric() -> None:
    doc = (ROOT / "docs/operations.md").read_text()
    families = {base(n) for n in KNOWN if not n.endswith(("_created", "_bucket", "_count", "_sum"))}
    assert families - referenced(doc) == set()
    assert referenced(doc) - {base(n) for n in KNOWN} == set()


def test_the_monitoring_profile_mounts_files_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    monitored = [s for s in compose["services"].values() if "monitoring" in s.get("profiles", [])]
    assert {s["image"].split(":")[0] for s in monitored} == {"prom/prometheus", "grafana/grafana"}
    for service in monitored:
        for volume in service["volumes"]:
            assert (ROOT / volume.split(":")[0]).exists(), volume
