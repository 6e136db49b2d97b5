"""Everything a running process shares: settings, database, clock, calendar, PII key. Built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from aftersales.calendars import BusinessCalendar, load_calendar
from aftersales.clock import Clock, SystemClock
from aftersales.config import Settings, get_settings
from aftersales.db import make_engine, make_session_factory
from aftersales.filestore import FileStore, LocalFileStore
from aftersales.keyring import Keyring
from aftersales.models_registry import load_all_models
from aftersales.security.pii import load_or_create_key
from aftersales.security.principal_cache import PrincipalCache
from aftersales.security.sessions import CookieSigner, SessionCache, signing_key
from aftersales.security.token_usage import TokenUsage


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    calendar: BusinessCalendar
    #: the PII keyring (newest key encrypts, any key decrypts); security.pii takes it wherever a key is asked for
    pii_key: Keyring
    #: signs console session cookies with the same key on every worker process
    cookie_signer: CookieSigner
    files: FileStore
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    #: console sessions seen in the last few seconds
    console_sessions: SessionCache = field(default_factory=SessionCache)
    #: API tokens' last-used times waiting for their batched write
    token_usage: TokenUsage = field(default_factory=TokenUsage)

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
    settings = settings or get_settings()
    load_all_models()  # foreign keys resolve only once every domain's tables are known to the metadata
    engine = make_engine(settings.resolved_database_url())
    pii_key = load_or_create_key(settings)
    # the oldest key changes least often (rotation adds keys in front): sign-ins survive a rotation
    signer = CookieSigner(signing_key(settings.session_secret, pii_key.oldest), settings.session_hours * 3600)
    return Runtime(settings=settings, engine=engine, session_factory=make_session_factory(engine),
                   clock=clock or SystemClock(), calendar=load_calendar(), pii_key=pii_key, cookie_signer=signer,
                   files=LocalFileStore(settings.resolved_files_dir()))
