"""The watch daemon: sees every change to a protected file, records, escalates and restores it."""
