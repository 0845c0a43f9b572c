"""Filling a user's own draft: placeholders found, matched to catalog metrics, filled, confirmed, reused."""
