"""Screens: matching monitors to layout screens, one window per monitor, pages. Qt lives here."""
