"""Operational commands of the root CLI (serve, demo, worker, db, token, import, export)."""
