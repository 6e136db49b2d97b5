"""The app factory uvicorn imports (by string, so several worker processes can each build one)."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales.app import create_app


def app_from_env() -> FastAPI:
    return create_app()
