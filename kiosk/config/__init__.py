"""Layout loading and validation. No Qt in this package."""
