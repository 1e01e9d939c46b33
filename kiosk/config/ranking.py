"""``rank_by:`` on a source of mentions or a view: what orders its authors and hashtags."""

from __future__ import annotations

from typing import Literal

RankBy = Literal["reach", "engagement"]

RANK_BY_HELP = (
    "What orders the authors and hashtags rankings. Unset: authors by reach (followers summed "
    "over their posts), hashtags by posts. reach: both by reach. engagement: both by the "
    "likes, reposts and replies of their posts, as counted when each post was read."
)
