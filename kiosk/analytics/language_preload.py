"""Imported by the parse workers' forkserver: loads py3langid's model once, before any fork.

Each parse worker is forked from the forkserver, so the ~70 MB model is shared between them
(copy-on-write) instead of loaded again, 0.3 s each time, by every new worker that meets an
unclear post.
"""

from kiosk.analytics.language import load_model

load_model()
