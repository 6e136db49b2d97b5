"""Signing in to the console from a test client, through the /login form as a browser does."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from aftersales.runtime import Runtime
from aftersales.security.accounts import create_account

PASSWORD = "Test-Passw0rd!"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_account(runtime: Runtime, role: str, username: str, party: str | None = None) -> str:
    with runtime.session() as session:
        create_account(session, role=role, username=username, password=PASSWORD, party=party,
                       now=runtime.clock.now())
        session.commit()
    return username


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(form.text), "next": ""}, follow_redirects=False)
