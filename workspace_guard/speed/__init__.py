"""The speed room: start-up machinery of the hot paths, each trick measured (see README.md).

Code here trades plain idioms for milliseconds on paths that run on every commit, push and agent
edit. Cold code uses plain Python (dataclasses, subprocess, module-level imports) instead.
"""
