"""The push gate: pre-receive on the shared repository and `check-commits` ranges in CI."""
