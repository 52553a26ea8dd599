"""What the tests share, written once: real repositories and git (`repos`), a served bare
repository with the push gate (`gitserver`, `pushserver`), watch daemons in real processes
(`watch`), and real hook calls as the harnesses make them (`harness`).

Fixtures defined here are registered for every test in `tests/conftest.py`; plain helpers are
imported by name (`from helpers.repos import git`).
"""
