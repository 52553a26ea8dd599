"""workspace-guard: turns a multi-agent workspace protocol from prose into enforcement."""

__version__ = "0.1.0"
