"""Live updates across worker processes: each process polls a cheap change cursor and fans out over SSE."""
