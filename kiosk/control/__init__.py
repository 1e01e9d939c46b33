"""Operating the wall: service manager integration (and later remote control, health, metrics)."""
