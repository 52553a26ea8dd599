"""`Record` moved to the speed room (`workspace_guard.speed.record`); this name stays for the
modules that still import it from here."""

from __future__ import annotations

from workspace_guard.speed.record import Record, Struct, asdict, derived, factory, replace

__all__ = ["Record", "Struct", "asdict", "derived", "factory", "replace"]
