"""Imported by the parse workers' forkserver: loads what reading posts needs, once, before any
fork: py3langid's model (~70 MB) and the places index (~30 MB).

Each parse worker is forked from the forkserver, so they share these (copy-on-write) instead of
each loading them again, 0.3 s and 1 s, on the first post that needs them.
"""

from kiosk.analytics.language import load_model
from kiosk.analytics.places import load_index

load_model()
load_index()
