"""kiosk: a native command-center wall for social listening."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client (click, rich, pygments: 5 MB of RSS in every process)
# whenever those happen to be installed, as they are beside the test tools; kiosk never runs it.
# A None in sys.modules makes that import fail, and httpx then leaves its CLI out, as it does
# where they are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
