"""`python -m workspace_guard` is `workspace-guard`."""

import sys

from workspace_guard.entry import main

if __name__ == "__main__":
    sys.exit(main())
