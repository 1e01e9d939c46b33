"""What the social sources (mastodon, bluesky) share once a poll has brought posts home."""

from __future__ import annotations

from kiosk.analytics.queries import Listener, ListeningOptions
from kiosk.sources.base import SourceOptions
from kiosk.sources.polling import HttpSource
from kiosk.values import Kind, Mention


class ListeningSource(HttpSource):
    """An HTTP source of posts matched to brands by the layout's queries."""

    options: ListeningOptions  # type: ignore[assignment]
    listener: Listener

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, ListeningOptions)
        streams = {"mentions": Kind.MENTIONS}
        if options.track:
            streams["tracked"] = Kind.RANKING
        return streams

    def publish_posts(self, fresh: list[Mention]) -> None:
        """Publish a poll's new posts in time order, and the tracked phrases with them."""
        fresh.sort(key=lambda mention: mention.at)
        self.append("mentions", fresh)
        if self.options.track:
            ranking = self.listener.tracked.ranking(self.hub.clock())
            self.publish("tracked", ranking, new=bool(fresh))
        self.listener.report()
