"""Imported by the parse workers' forkserver: loads what reading posts needs, once, before any
fork: py3langid's model (~70 MB), the places index (~30 MB), and the feed and calendar parsers
(which the wall's own process imports only when it parses one itself).

Each parse worker is forked from the forkserver, so they share these (copy-on-write) instead of
each loading them again, 0.3 s and 1 s, on the first post that needs them.
"""

import feedparser  # noqa: F401
import icalendar  # noqa: F401
import recurring_ical_events  # noqa: F401

from kiosk.analytics.language import load_model
from kiosk.analytics.places import load_index

load_model()
load_index()
