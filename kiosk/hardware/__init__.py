"""The machine's display hardware as the kernel sees it: DRM connectors and their EDID. No Qt."""
