"""Notifications out: an outbox written in the event's own transaction, delivered by workers with retries.

Sits below `cases` so that `cases` (and `risk` above it) can write outbox rows in the same unit of work as the
event; it imports neither.
"""
