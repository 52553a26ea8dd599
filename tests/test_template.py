"""core.template: the §5 template checks, the `commit:` section, ownership rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workspace_guard.core.message import parse_message
from workspace_guard.core.model import Decision, ProtectedRule
from workspace_guard.core.template import (
    CheckResult,
    Fields,
    TemplateConfig,
    TemplateConfigError,
    check_message_bytes,
    check_ownership,
    check_template,
    commit_kind,
    normalize_path,
    read_fields,
    to_json,
)
from workspace_guard.errors import ConfigError

DEFAULT = TemplateConfig()
FIELDS = (
    "Workspace-Check: ✅ Consultado\n"
    "Archivo: app/main.py\n"
    "Agente: backend-framework-ai\n"
    "Protocolo: SEGUIDO\n"
    "Tests: PASSED\n"
)
GOOD = "feat(api): add the endpoint\n\nWhy.\n\n" + FIELDS


def check(text: str | bytes, config: TemplateConfig = DEFAULT, **kw: object) -> CheckResult:
    return check_message_bytes(text, config, **kw)  # type: ignore[arg-type]


def ids(result: CheckResult) -> list[str]:
    return [v.id for v in result.violations]


# --------------------------------------------------------------------------- the template


def test_the_seed_template_passes() -> None:
    result = check(GOOD)
    assert result.ok and result.violations == () and result.warnings == ()
    assert result.kind == "normal" and result.example is None
    assert result.fields == Fields(
        agent="backend-framework-ai",
        protocol="followed",
        protocol_raw="SEGUIDO",
        files=("app/main.py",),
        workspace_check="✅ Consultado",
        tests="PASSED",
    )


def test_the_contract_template_text_passes_once_filled_in() -> None:
    text = "docs(área): descripción breve\n\n" + FIELDS.replace("app/main.py", "ruta/del/archivo")
    assert check(text).ok


def test_fields_after_co_authored_by_in_the_same_paragraph_pass() -> None:
    assert check(GOOD + "Co-Authored-By: Claude <noreply@anthropic.com>\n").ok


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("add the endpoint", ["subject-format"]),
        ("feat(api):add", ["subject-format"]),
        ("feat(api):", ["subject-format"]),
        ("feature(api): add", ["type-unknown"]),
        ("feat: add", ["area-missing"]),
        ("feat(): add", ["area-missing"]),
        ("Feat(api): add", ["type-unknown"]),
    ],
)
def test_subject_violations(subject: str, expected: list[str]) -> None:
    result = check(f"{subject}\n\n{FIELDS}")
    assert ids(result) == expected


def test_subject_messages_help() -> None:
    msg = check("feat(api):add\n\n" + FIELDS).violations[0].message
    assert "a space is missing after the ':'" in msg and "A message that passes" in msg
    assert "did you mean `feat`" in check("fet(api): x\n\n" + FIELDS).violations[0].message
    assert "`feat(area): add`" in check("feat: add\n\n" + FIELDS).violations[0].message


def test_area_optional_and_enumerated() -> None:
    optional = TemplateConfig.from_mapping({"require_area": False})
    assert check("feat: add\n\n" + FIELDS, optional).ok
    areas = TemplateConfig.from_mapping({"areas": ["api", "auth"]})
    assert check(GOOD, areas).ok
    result = check("feat(ath): x\n\n" + FIELDS, areas)
    assert ids(result) == ["area-unknown"] and "did you mean `auth`" in result.violations[0].message


def test_every_missing_field_is_named() -> None:
    result = check("feat(api): add\n\nAgente: a\n")
    assert ids(result) == ["field-missing"] * 4
    messages = [v.message for v in result.violations]
    assert messages[0].startswith("missing field `Workspace-Check`")
    assert "`Archivo` (or `File`)" in messages[1]
    assert "allowed values: SEGUIDO, CONSULTA_PREVIA, APROBACIÓN_OBTENIDA" in messages[2]
    assert messages[3].split("\n")[0].endswith("allowed values: PASSED, FAILED")


def test_the_example_keeps_the_users_values() -> None:
    result = check("fix(auth): expire tokens\n\nAgent: security-backend-ai\nTests: FAILED\n")
    assert result.example == (
        "fix(auth): expire tokens\n\n"
        "Workspace-Check: ✅ Consultado\n"
        "Archivo: path/to/file\n"
        "Agent: security-backend-ai\n"
        "Protocolo: SEGUIDO\n"
        "Tests: FAILED"
    )
    assert result.violations[-1].message.endswith(result.example)
    with_paths = check_template(parse_message("x\n"), DEFAULT, paths=["a.py", "b.py"])
    assert "Archivo: a.py, b.py" in (with_paths.example or "")


@pytest.mark.parametrize(
    ("line", "replacement"),
    [
        ("Protocolo: SEGUIDO", "Protocolo: INVENTADO"),
        ("Workspace-Check: ✅ Consultado", "Workspace-Check: Consultado"),
        ("Tests: PASSED", "Tests: SKIPPED"),
        ("Agente: backend-framework-ai", "Agente:"),
        ("Archivo: app/main.py", "Archivo: ,"),
    ],
)
def test_field_values(line: str, replacement: str) -> None:
    result = check(GOOD.replace(line, replacement))
    assert ids(result) == ["field-value"]


def test_field_value_message_lists_the_allowed_values() -> None:
    message = check(GOOD.replace("SEGUIDO", "SEGIDO")).violations[0].message
    assert message.startswith("`Protocolo: SEGIDO` is not allowed; allowed values: SEGUIDO")
    assert "did you mean `SEGUIDO`" in message


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("Protocolo: APROBACION_OBTENIDA", "approved"),
        ("Protocolo: APROBACIÓN_OBTENIDA", "approved"),
        ("protocol: approval_obtained", "approved"),
        ("PROTOCOLO: consulta_previa", "consulted"),
        ("Protocol: FOLLOWED", "followed"),
        ("Protocolo: PRIOR_CONSULTATION", "consulted"),
    ],
)
def test_protocol_aliases_and_case(text: str, meaning: str) -> None:
    result = check(GOOD.replace("Protocolo: SEGUIDO", text))
    assert result.ok and result.fields.protocol == meaning


def test_key_aliases_are_case_insensitive() -> None:
    text = GOOD.replace("Archivo:", "FILE:").replace("Agente:", "agent:")
    text = text.replace("Workspace-Check:", "workspace-check:").replace("Tests:", "tests:")
    result = check(text)
    assert result.ok and result.fields.agent == "backend-framework-ai"


def test_workspace_check_tolerates_the_emoji_variation_selector() -> None:
    assert check(GOOD.replace("✅", "✅\ufe0f")).ok


def test_tests_failed_is_only_a_warning() -> None:
    result = check(GOOD.replace("PASSED", "FAILED"))
    assert result.ok and [w.id for w in result.warnings] == ["tests-failed"]


def test_duplicates() -> None:
    result = check(GOOD + "Agent: other-ai\n")
    assert ids(result) == ["field-duplicate"]
    assert "`Agente` appears 2 times" in result.violations[0].message
    assert check(GOOD + "Archivo: b.py\nAprobado-por: a\nApproved-by: b\n").ok


def test_agent_unknown_needs_the_registry() -> None:
    assert check(GOOD, agents=["backend-framework-ai"]).ok
    result = check(GOOD, agents=["backend-framework-ia", "system-architect-ai"])
    assert ids(result) == ["agent-unknown"]
    assert "did you mean `backend-framework-ia`" in result.violations[0].message


def test_empty_message() -> None:
    for raw in ["", "\n\n", "# Please enter the commit message\n#\n"]:
        result = check(raw)
        assert ids(result) == ["message-empty"]
        assert "A message that passes" in result.violations[0].message


def test_non_utf8_is_a_violation_not_a_crash() -> None:
    result = check(b"feat(api): caf\xe9\n\n" + FIELDS.encode())
    assert ids(result) == ["message-encoding"]
    assert "byte 14, line 1" in result.violations[0].message
    assert to_json(result)["ok"] is False


# --------------------------------------------------------------------------- fields outside


def outside(text: str) -> str:
    result = check(text)
    assert "fields-outside-trailers" in ids(result), ids(result)
    return next(v.message for v in result.violations if v.id == "fields-outside-trailers")


def test_generated_with_paragraph_pushes_the_fields_out() -> None:
    message = outside(
        GOOD + "\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>\n"
    )
    assert "outside its trailer block" in message
    assert "`Workspace-Check` (line 5)" in message and "🤖 Generated with" in message


def test_generated_with_as_the_last_paragraph() -> None:
    message = outside(GOOD + "\n🤖 Generated with [Claude Code](https://claude.ai/code)\n")
    assert "another paragraph follows the fields" in message


def test_non_ascii_key_kills_the_block() -> None:
    message = outside(GOOD + "Área: api\n")
    assert "`Área` is not a valid git trailer key" in message and "write `Area`" in message


def test_underscore_key() -> None:
    result = check(GOOD.replace("Workspace-Check", "Workspace_Check"))
    assert ids(result)[0] == "fields-outside-trailers"
    assert "write `Workspace-Check`" in result.violations[0].message
    assert "field-missing" not in ids(result)  # the misplaced field is not reported twice


def test_fields_glued_to_the_body() -> None:
    message = outside("feat(api): add\n\nWhy it matters.\n" + FIELDS)
    assert "leave a blank line between the body and the fields" in message


def test_fields_outside_with_only_some_missing() -> None:
    text = "feat(api): add\n\nAgente: a\nnot a field\n\nTests: PASSED\n"
    result = check(text)
    assert "fields-outside-trailers" in ids(result)
    assert "missing field `Workspace-Check`" in " ".join(v.message for v in result.violations)


# --------------------------------------------------------------------------- hygiene


def test_hook_file_with_comments_scissors_and_crlf() -> None:
    hook = (
        GOOD + "# Please enter the commit message for your changes.\n#\n"
        "# ------------------------ >8 ------------------------\n"
        "diff --git a/x b/x\n+Agente: someone-else\n"
    ).replace("\n", "\r\n")
    result = check(hook.encode())
    assert result.ok and result.fields.agent == "backend-framework-ai"


def test_comment_char_auto_and_cleanup_modes() -> None:
    # git chose ';' because a line starts with '#', and appended its comments with ';'
    text = "feat(api): fix\n\n#1 is fixed\n\n" + FIELDS + "\n; Please enter the message\n;\n"
    assert check(text, comment="auto").ok
    assert not check(text, comment="#").ok  # the ';' lines stay: the fields are not last
    assert check(GOOD + "# comment\n", cleanup_mode="whitespace").ok  # git skips it too


def test_known_keys_are_passed_to_the_trailer_parser() -> None:
    # a configured key makes a paragraph with >= 25 % trailers a trailer block (git's rule ii)
    text = "feat(api): x\n\n" + FIELDS + "one\ntwo\nthree\nfour\nfive\nsix\nseven\n"
    assert not check(text).ok
    assert check(text, known_keys=["Agente"]).ok  # 5 trailers of 12 lines
    assert not check(text + "more\n" * 9, known_keys=["Agente"]).ok  # 5 of 21


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("subject", "parents", "kind"),
    [
        ("Merge branch 'topic' into main", 1, "merge"),
        ("Merge pull request #12 from org/branch", 1, "merge"),
        ("Merge remote-tracking branch 'origin/main'", 1, "merge"),
        ("anything at all", 2, "merge"),
        ("Merge sort for the index", 1, "normal"),
        ('Revert "feat(api): add"', 1, "revert"),
        ('Reapply "feat(api): add"', 1, "revert"),
        ("revert(api): undo", 1, "normal"),
        ("fixup! feat(api): add", 1, "fixup"),
        ("squash! feat(api): add", 1, "squash"),
        ("amend! feat(api): add", 1, "amend"),
        ("fixup!feat", 1, "normal"),
    ],
)
def test_commit_kind(subject: str, parents: int, kind: str) -> None:
    assert commit_kind(parse_message(subject + "\n"), parents) == kind


@pytest.mark.parametrize(
    "subject", ["Merge branch 'x'", 'Revert "feat(api): add"', "fixup! x", "squash! x", "amend! x"]
)
def test_skipped_kinds_skip_the_template(subject: str) -> None:
    result = check(subject + "\n\nAgente: backend-framework-ai\n")
    assert result.ok and result.kind != "normal"
    assert result.fields.agent == "backend-framework-ai"  # ownership still needs the agent


def test_skip_is_configurable() -> None:
    config = TemplateConfig.from_mapping({"skip": ["merge"]})
    assert not check('Revert "x"\n', config).ok
    assert check("Merge branch 'x'\n", config).ok
    assert check("x\n", config, parents=2).ok


# --------------------------------------------------------------------------- Archivo


def test_file_lists() -> None:
    text = GOOD.replace(
        "Archivo: app/main.py",
        "Archivo: ./app/main.py (NEW), `docs/a b.md`, /abs//x.py\nFile: app/api/",
    )
    fields = read_fields(parse_message(text), DEFAULT)
    assert fields.files == ("app/main.py", "docs/a b.md", "abs/x.py", "app/api/")


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ("app/main.py", "app/main.py"),
        ("'app/main.py'", "app/main.py"),
        ("app/main.py (modificado)", "app/main.py"),
        ("app/(group)/page.tsx", "app/(group)/page.tsx"),
        ("a//b/./c", "a/b/./c"),
    ],
)
def test_normalize_path(entry: str, path: str) -> None:
    assert normalize_path(entry) == path


# --------------------------------------------------------------------------- the commit: section


def test_from_mapping_defaults() -> None:
    assert TemplateConfig.from_mapping(None) == DEFAULT
    assert TemplateConfig.from_mapping({}) == DEFAULT
    assert DEFAULT.required == {"workspace-check", "file", "agent", "protocol", "tests"}
    assert DEFAULT.keys["approved-by"] == ("Aprobado-por", "Approved-by")
    assert DEFAULT.values["protocol"]["APROBACION_OBTENIDA"] == "approved"
    assert DEFAULT.skip == {"merge", "revert", "fixup", "squash", "amend"}


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ([], ("commit",), "must be a mapping"),
        ({"typo": 1}, ("commit", "typo"), "unknown key 'typo'"),
        ({"types": "feat"}, ("commit", "types"), "list of strings"),
        ({"types": []}, ("commit", "types"), "must not be empty"),
        ({"types": ["feat", "no space"]}, ("commit", "types", 1), "not a valid name"),
        ({"require_area": "yes"}, ("commit", "require_area"), "true or false"),
        ({"skip": ["merges"]}, ("commit", "skip", 0), "not one of"),
        ({"fields": []}, ("commit", "fields"), "mapping of fields"),
        ({"fields": {"Agent": {}}}, ("commit", "fields", "Agent"), "lower-case"),
        ({"fields": {"agent": {"kyes": []}}}, ("commit", "fields", "agent", "kyes"), "unknown"),
        (
            {"fields": {"agent": {"keys": ["Área"]}}},
            ("commit", "fields", "agent", "keys", 0),
            "git",
        ),
        ({"fields": {"agent": {"keys": ["A_b"]}}}, ("commit", "fields", "agent", "keys", 0), "git"),
        ({"fields": {"agent": {"required": 1}}}, ("commit", "fields", "agent", "required"), "true"),
        (
            {"fields": {"ticket": {"required": True}}},
            ("commit", "fields", "ticket"),
            "needs `keys`",
        ),
        (
            {"fields": {"protocol": {"values": {"OK": "fine"}}}},
            ("commit", "fields", "protocol", "values", "OK"),
            "protocol values mean",
        ),
        (
            {"fields": {"tests": {"values": {}}}},
            ("commit", "fields", "tests", "values"),
            "non-empty",
        ),
        (
            {"fields": {"tests": {"warn": ["flaky"]}}},
            ("commit", "fields", "tests", "warn", 0),
            "one",
        ),
        (
            {"fields": {"ticket": {"keys": ["Agent"]}}},
            ("commit", "fields", "ticket", "keys", 0),
            "already used by field 'agent'",
        ),
    ],
)
def test_from_mapping_errors(data: object, path: tuple[object, ...], words: str) -> None:
    with pytest.raises(TemplateConfigError) as info:
        TemplateConfig.from_mapping(data)  # type: ignore[arg-type]
    assert info.value.key_path == path
    assert words in info.value.reason
    assert isinstance(info.value, ValueError) and isinstance(info.value, ConfigError)
    assert str(info.value).startswith(".".join(map(str, path)) + ": ")


def test_base_path_for_the_loader() -> None:
    with pytest.raises(TemplateConfigError) as info:
        TemplateConfig.from_mapping({"x": 1}, base_path=())
    assert info.value.key_path == ("x",)


def test_custom_template() -> None:
    config = TemplateConfig.from_mapping(
        {
            "types": ["feat", "fix"],
            "fields": {
                "agent": {"keys": ["Agent"]},
                "tests": {"required": False},
                "ticket": {"keys": ["Ticket"], "values": ["JIRA", "NONE"]},
                "protocol": {"values": {"OK": "followed", "ASKED": "consulted"}},
            },
        }
    )
    text = "fix(api): x\n\nWorkspace-Check: ✅ Consultado\nFile: a\nAgent: b\nProtocol: ok\n"
    assert ids(check(text, config)) == ["field-missing"]  # Ticket
    result = check(text + "Ticket: jira\n", config)
    assert result.ok and result.fields.other == (("ticket", "jira"),)
    assert ids(check(text.replace("Agent:", "Agente:") + "Ticket: NONE\n", config)) == [
        "field-missing"
    ]
    assert ids(check(text.replace("fix(", "docs(") + "Ticket: NONE\n", config)) == ["type-unknown"]


def test_to_json_shape() -> None:
    result = check("nope\n")
    data = to_json(result)
    assert {"ok", "violations", "warnings"} <= set(data)
    assert data["ok"] is False
    assert all({"id", "message"} <= set(v) for v in data["violations"])
    assert to_json(check(GOOD.replace("PASSED", "FAILED")))["warnings"][0]["id"] == "tests-failed"


# --------------------------------------------------------------------------- ownership

RULE = ProtectedRule(
    index=0,
    pattern="app/main.py",
    owner="system-architect-ai",
    backup=("solution-architect-ai",),
    level="critical",
    note=None,
    source=".workspace/rules.yaml:12",
)


def denied(level: str, path: str = "app/main.py", **kw: object) -> Decision:
    args: dict[str, object] = {
        "agent": "backend-framework-ai",
        "path": path,
        "allowed": False,
        "reason": "protected",
        "owner": RULE.owner,
        "backup": RULE.backup,
        "level": level,
        "rule": RULE,
        "escalation": "master-orchestrator",
    }
    args.update(kw)
    return Decision(**args)  # type: ignore[arg-type]


def fields(
    protocol: str | None, approved: tuple[str, ...] = (), files: tuple[str, ...] = ()
) -> Fields:
    return Fields(
        agent="backend-framework-ai",
        protocol=protocol,
        protocol_raw=None if protocol is None else protocol.upper(),
        approved_by=approved,
        files=files or ("app/main.py",),
    )


def own(f: Fields, *decisions: Decision) -> list[str]:
    return [v.id for v in check_ownership(f, decisions, DEFAULT, superusers=["root-ai"])]


def test_trusted_decisions_need_nothing() -> None:
    for reason in ("owner", "office", "superuser", "unprotected"):
        d = denied("critical", allowed=True, reason=reason)
        assert own(Fields(), d) == []


def test_high_needs_consultation() -> None:
    assert own(fields("followed"), denied("high")) == ["protocol-insufficient"]
    assert own(fields(None), denied("high")) == ["protocol-insufficient"]
    assert own(fields("consulted"), denied("high")) == []
    assert own(fields("approved"), denied("high")) == []


def test_high_message_says_whom_to_consult() -> None:
    [v] = check_ownership(fields("followed"), [denied("high")], DEFAULT)
    assert v.path == "app/main.py"
    for words in [
        "`app/main.py`",
        "high",
        "rule `app/main.py` at .workspace/rules.yaml:12",
        "owner system-architect-ai",
        "backups solution-architect-ai",
        "`Protocolo: CONSULTA_PREVIA`",
        "escalation: master-orchestrator",
        "the message has `Protocolo: FOLLOWED`",
    ]:
        assert words in v.message


@pytest.mark.parametrize("approver", ["system-architect-ai", "solution-architect-ai", "root-ai"])
def test_critical_approved_by_owner_backup_or_superuser(approver: str) -> None:
    assert own(fields("approved", (approver,)), denied("critical")) == []


def test_critical_violations() -> None:
    assert own(fields("consulted", ("system-architect-ai",)), denied("critical")) == [
        "protocol-insufficient"
    ]
    assert own(fields("approved"), denied("critical")) == ["approval-missing"]
    assert own(fields("approved", ("random-ai",)), denied("critical")) == ["approval-invalid"]
    assert own(fields("followed"), denied("critical")) == [
        "protocol-insufficient",
        "approval-missing",
    ]


def test_critical_message_names_the_approval_to_write() -> None:
    found = check_ownership(fields("followed"), [denied("critical")], DEFAULT)
    assert "`Protocolo: APROBACIÓN_OBTENIDA` and `Aprobado-por: system-architect-ai`" in (
        found[0].message
    )
    assert "system-architect-ai, solution-architect-ai" in found[1].message


def test_an_agent_cannot_approve_itself() -> None:
    d = denied("critical", agent="solution-architect-ai")
    f = fields("approved", ("solution-architect-ai",))
    [v] = check_ownership(f, [d], DEFAULT)
    assert v.id == "approval-invalid" and "cannot approve its own change" in v.message


def test_ownerless_rule_is_approved_by_escalation_or_superusers() -> None:
    d = denied("critical", owner=None, backup=())
    assert own(fields("approved", ("master-orchestrator",)), d) == []
    assert own(fields("approved", ("root-ai",)), d) == []
    assert own(fields("approved", ("system-architect-ai",)), d) == ["approval-invalid"]


def test_every_protected_path_must_be_listed() -> None:
    other = denied("high", path="app/core/config.py")
    assert own(fields("consulted"), denied("high"), other) == ["file-not-listed"]
    [v] = check_ownership(fields("consulted"), [denied("high"), other], DEFAULT)
    assert v.path == "app/core/config.py"
    assert "add `Archivo: app/core/config.py` (it lists: app/main.py)" in v.message
    assert own(fields("consulted", files=("app/",)), denied("high"), other) == []
    assert own(fields("consulted", files=("app/main.py", "app/core/config.py")), other) == []


def test_approved_decisions_still_need_the_listing() -> None:
    d = denied("critical", path="app/x.py", allowed=True, reason="approved")
    assert own(fields("followed"), d) == ["file-not-listed"]
    assert own(fields("followed", files=("app/x.py",)), d) == []


def test_a_path_decided_twice_is_reported_once() -> None:
    link = denied("high", path="app/link.py", via="link")
    assert own(fields("consulted"), link, link) == ["file-not-listed"]


def test_office_protection_is_described() -> None:
    d = denied("high", rule=None, office=".workspace/departments/x/", owner="x-ai", backup=())
    [v] = check_ownership(fields("followed"), [d], DEFAULT)
    assert "office .workspace/departments/x/" in v.message and "owner x-ai" in v.message


def test_ownership_with_fields_read_from_a_message() -> None:
    text = GOOD.replace("SEGUIDO", "APROBACION_OBTENIDA") + "Aprobado-por: `system-architect-ai`\n"
    f = read_fields(parse_message(text), DEFAULT)
    assert f.protocol == "approved" and f.approved_by == ("system-architect-ai",)
    assert check_ownership(f, [denied("critical")], DEFAULT) == []


# --------------------------------------------------------------------------- never crash

PIECES = st.sampled_from(
    [FIELDS, "feat(api): x\n", "\n", "Área: a\n", "# c\n", "---\n", "🤖 Generated\n", "\r\n", ":"]
)


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=200), st.lists(PIECES).map("".join).map(str.encode)))
def test_any_bytes_give_a_result(raw: bytes) -> None:
    for comment in (None, "auto", ";"):
        result = check_message_bytes(raw, DEFAULT, comment=comment)
        assert isinstance(result, CheckResult)
        assert result.ok == (not result.violations)
        to_json(result)
