"""The harness gate: agent harness hooks (PreToolUse and friends) and the Bash write analysis."""
