"""The commit gate: the commit-msg and pre-commit hooks (and amend detection)."""
