"""The commit template of contract §5: configuration, field extraction, checks, ownership.

Pure: it takes a parsed `Message` (core.message) and decisions (core.decide) and returns
violations. Messages name the field, the allowed values and end with a corrected message,
because the reader is usually an agent that retries with exactly what it is told.

The rules file's `commit:` section (every key optional; absent = the seed template)::

    commit:
      types: [feat, fix, docs, style, refactor, perf, test, build, ci, chore, revert]
      require_area: true        # subject must be `type(area): description`
      areas: []                 # allowed areas; empty = any
      skip: [merge, revert, fixup, squash, amend]   # kinds that skip the template checks
      fields:                   # merged over the default fields, attribute by attribute
        agent:                  # workspace-check file agent protocol tests approved-by,
          keys: [Agente, Agent] #   or a new [a-z0-9-] name for an extra field (needs keys)
          required: true
          multiple: false       # comma lists and repeated keys (default: file, approved-by)
          values: [A, B]        # allowed values, case-insensitive; or {VALUE: meaning};
                                #   absent = any non-empty value
          warn: [failed]        # meanings that pass with a warning `<field>-<meaning>`

Keys must be valid git trailer keys (ASCII letters, digits, `-`): git never reads any other
as a trailer. `protocol` meanings must be `followed`, `consulted` or `approved`, the terms the
ownership rules of §5 are written in. `TemplateConfigError.key_path` starts at the rules' root
(`("commit", "fields", "agent", "keys", 0)`) so the loader can point at a line and column.

`Archivo` entries are split on commas, trimmed, unquoted (backticks, quotes) and stripped of a
trailing parenthesised annotation such as ` (NEW)`; `./`, a leading `/` and doubled `/` are
dropped. An entry ending in `/` names every path below that directory; globs are not expanded.

The package: `config` (fields, values and the `commit:` loader), `fields` (reading a message's
fields; the result records), `checks` (the template checks and the corrected example),
`ownership` (the changed paths against the protected rules).
"""

from __future__ import annotations

from workspace_guard.core.template.checks import (
    check_message_bytes,
    check_template,
    render_example,
)
from workspace_guard.core.template.config import (
    _FIELD_KEYS,
    _TOP_KEYS,
    CANONICAL,
    DEFAULT_FIELDS,
    DEFAULT_TYPES,
    KINDS,
    PROTOCOL_MEANINGS,
    TRUSTED_REASONS,
    FieldSpec,
    TemplateConfig,
    TemplateConfigError,
)
from workspace_guard.core.template.fields import (
    CheckResult,
    Fields,
    Violation,
    commit_kind,
    normalize_path,
    read_fields,
    to_json,
)
from workspace_guard.core.template.ownership import (
    check_ownership,
    check_ownership_groups,
    ownership_in_order,
)

__all__ = [
    "CANONICAL",
    "DEFAULT_FIELDS",
    "DEFAULT_TYPES",
    "KINDS",
    "PROTOCOL_MEANINGS",
    "TRUSTED_REASONS",
    "_FIELD_KEYS",
    "_TOP_KEYS",
    "CheckResult",
    "FieldSpec",
    "Fields",
    "TemplateConfig",
    "TemplateConfigError",
    "Violation",
    "check_message_bytes",
    "check_ownership",
    "check_ownership_groups",
    "check_template",
    "commit_kind",
    "normalize_path",
    "ownership_in_order",
    "read_fields",
    "render_example",
    "to_json",
]
