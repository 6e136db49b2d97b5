"""Reads for console pages. Writes never happen here: they go through the owning domain's service."""
