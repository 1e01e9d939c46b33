"""The social platforms kiosk knows by name, with the colour and letters of their badges."""

from __future__ import annotations

# code → (name, badge letters, badge colour)
PLATFORMS: dict[str, tuple[str, str, str]] = {
    "x": ("X", "X", "#000000"),
    "instagram": ("Instagram", "IG", "#D62976"),
    "facebook": ("Facebook", "f", "#1877F2"),
    "tiktok": ("TikTok", "TT", "#111111"),
    "reddit": ("Reddit", "r/", "#FF4500"),
    "youtube": ("YouTube", "▶", "#FF0000"),
    "bluesky": ("Bluesky", "bs", "#1185FE"),
    "mastodon": ("Mastodon", "M", "#6364FF"),
    "linkedin": ("LinkedIn", "in", "#0A66C2"),
    "news": ("News", "N", "#5A6472"),
}
PLATFORM_NAMES = {code: name for code, (name, _, _) in PLATFORMS.items()}


def platform_name(code: str) -> str:
    """``instagram`` → ``Instagram``; an unknown code is shown as it is."""
    return PLATFORM_NAMES.get(code, code)
