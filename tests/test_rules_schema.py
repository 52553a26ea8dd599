"""`rules/rules.schema.json` kept in step with the loader: same keys, same choices, and a set of
documents that both accept and both reject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import EXAMPLE_RULES, ROOT

from workspace_guard.core import rules as loader
from workspace_guard.core.model import LEVELS
from workspace_guard.core.rules import RulesError, load_rules

SCHEMA_PATH = ROOT / "rules" / "rules.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PROPS = SCHEMA["properties"]


def keys(node: dict[str, Any]) -> set[str]:
    return set(node["properties"])


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["additionalProperties"] is False


def test_top_level_keys_match_the_loader() -> None:
    assert keys(SCHEMA) == set(loader.TOP_KEYS)
    assert set(SCHEMA["required"]) == {"version", "escalation", "agents"}


def test_agent_rule_responsibility_harness_watch_keys_match_the_loader() -> None:
    agent = PROPS["agents"]["additionalProperties"]
    rule = PROPS["protected"]["items"]
    area = PROPS["responsibilities"]["items"]
    assert keys(agent) == set(loader.AGENT_KEYS)
    assert keys(rule) == set(loader.RULE_KEYS)
    assert keys(area) == set(loader.RESP_KEYS)
    assert keys(PROPS["harness"]) == set(loader.HARNESS_KEYS)
    assert keys(PROPS["watch"]) == set(loader.WATCH_KEYS)
    for node in (agent, rule, area, PROPS["harness"], PROPS["watch"]):
        assert node["additionalProperties"] is False


def test_choices_match_the_loader() -> None:
    rule = PROPS["protected"]["items"]["properties"]
    assert rule["level"]["enum"] == list(LEVELS)
    assert rule["level"]["default"] == "critical"
    assert PROPS["language"]["enum"] == list(loader.LANGUAGES)
    unknown = PROPS["harness"]["properties"]["unknown_agent"]
    assert unknown["enum"] == list(loader.UNKNOWN_AGENT_CHOICES)
    assert unknown["default"] == "guest"
    assert PROPS["version"]["const"] == 1


def test_commit_section_matches_the_template_loader() -> None:
    from workspace_guard.core import template

    commit = PROPS["commit"]
    assert keys(commit) == set(template._TOP_KEYS)
    assert commit["properties"]["skip"]["items"]["enum"] == list(template.KINDS)
    field = commit["properties"]["fields"]["additionalProperties"]
    assert keys(field) == set(template._FIELD_KEYS)


def test_the_example_rules_validate() -> None:
    document = yaml.safe_load(EXAMPLE_RULES.read_text())
    VALIDATOR.validate(document)
    load_rules(EXAMPLE_RULES.read_bytes(), "example.yaml")


BASE = """\
version: 1
escalation: boss
agents:
  boss: {department: management, office: offices/boss/, description: "the lead"}
  dev:
"""

GOOD = {
    "minimal": BASE,
    "full rule": BASE + "protected:\n  - {pattern: /app/, owner: dev, backup: [boss], level: high,"
    " note: n}\n",
    "rule with defaults": BASE + "protected:\n  - pattern: app/\n",
    "blank note": BASE + "protected:\n  - pattern: app/\n    note:\n",
    "single backup as a string": BASE + "protected:\n  - {pattern: x, backup: boss}\n",
    "superusers as a string": BASE + "superusers: boss\n",
    "empty sections": BASE + "protected:\nresponsibilities:\nharness:\nwatch:\ncommit:\n",
    "responsibilities": BASE + "responsibilities:\n  - {area: A, patterns: [a/, b.py],"
    " responsible: dev, backup: [boss]}\n",
    "harness": BASE + "harness: {main_agent: boss, unknown_agent: main_agent}\n",
    "watch": BASE + "watch: {rescan_interval: 2.5, incidents_dir: x, restore: true, ignore: [a]}\n",
    "language": BASE + "language: es\n",
    "handles": BASE + "handles: {dev: '@org/dev'}\n",
    "escaped leading space": BASE + "protected:\n  - pattern: '\\ odd'\n",
    "commit": BASE + "commit:\n  types: [feat, fix]\n  require_area: false\n  areas: [api]\n"
    "  skip: [merge]\n  fields:\n    tests: {required: false}\n"
    "    ticket: {keys: [Ticket], values: [JIRA-1, JIRA-2]}\n",
}

BAD = {
    "unknown top key": BASE + "owners: {}\n",
    "unknown agent key": BASE.replace("dev:", "dev: {desk: 1}"),
    "unknown rule key": BASE + "protected:\n  - {pattern: x, lvl: high}\n",
    "unknown responsibility key": BASE
    + "responsibilities:\n  - {area: A, responsible: dev, x: 1}\n",
    "unknown harness key": BASE + "harness: {agent: dev}\n",
    "unknown watch key": BASE + "watch: {interval: 3}\n",
    "version 2": BASE.replace("version: 1", "version: 2"),
    "version as a string": BASE.replace("version: 1", "version: '1'"),
    "no escalation": BASE.replace("escalation: boss\n", ""),
    "no agents": "version: 1\nescalation: boss\n",
    "agents as a list": "version: 1\nescalation: boss\nagents: [boss]\n",
    "agent name with a space": BASE + "  'de v': {}\n",
    "empty pattern": BASE + "protected:\n  - pattern: ''\n",
    "blank pattern": BASE + "protected:\n  - pattern: '  '\n",
    "leading whitespace": BASE + "protected:\n  - pattern: ' app/'\n",
    "control character": BASE + 'protected:\n  - pattern: "a\\tb"\n',
    "pattern as a number": BASE + "protected:\n  - pattern: 7\n",
    "rule without pattern": BASE + "protected:\n  - owner: dev\n",
    "bad level": BASE + "protected:\n  - {pattern: x, level: medium}\n",
    "owner as a list": BASE + "protected:\n  - {pattern: x, owner: [dev]}\n",
    "protected as a mapping": BASE + "protected: {pattern: x}\n",
    "office with a wildcard": BASE.replace("offices/boss/", "'offices/*/'"),
    "office is the root": BASE.replace("offices/boss/", "/"),
    "responsibility without responsible": BASE + "responsibilities:\n  - {area: A}\n",
    "bad unknown_agent": BASE + "harness: {unknown_agent: allow}\n",
    "negative rescan": BASE + "watch: {rescan_interval: -1}\n",
    "restore as a string": BASE + "watch: {restore: 'yes'}\n",
    "language fr": BASE + "language: fr\n",
    "commit as a list": BASE + "commit: [1]\n",
    "unknown commit key": BASE + "commit: {type: [feat]}\n",
    "unknown skip kind": BASE + "commit: {skip: [wip]}\n",
    "empty types": BASE + "commit: {types: []}\n",
    "bad trailer key": BASE + "commit: {fields: {ticket: {keys: ['Tick et']}}}\n",
    "empty handle": BASE + "handles: {dev: ''}\n",
}


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_documents_both_accept(text: str) -> None:
    VALIDATOR.validate(yaml.safe_load(text))
    load_rules(text, "R.yaml")


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_documents_both_reject(text: str) -> None:
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(text)))
    assert errors, "the schema accepts it"
    with pytest.raises(RulesError):
        load_rules(text, "R.yaml")


def test_the_docs_name_the_schema(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert "yaml-language-server: $schema=" in docs
    assert "rules.schema.json" in docs
    for key in (
        *loader.TOP_KEYS,
        *loader.AGENT_KEYS,
        *loader.RULE_KEYS,
        *loader.RESP_KEYS,
        *loader.HARNESS_KEYS,
        *loader.WATCH_KEYS,
    ):
        assert f"`{key}`" in docs, f"docs/rules.md does not describe `{key}`"
