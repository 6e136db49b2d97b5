"""The app factory uvicorn imports (by string, so several worker processes can each build one)."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from aftersales.app import create_app


def app_from_env() -> FastAPI:
    app = create_app()
    # the models, routers and triage weights live for the whole process: move them out of the collector's
    # sight, and collect young objects less often (a case makes thousands of short-lived ones)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app
