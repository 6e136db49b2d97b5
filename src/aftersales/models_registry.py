"""Import every domain's ORM models so Base.metadata (migrations, tests) sees the whole schema."""

from __future__ import annotations

import importlib
import pkgutil

import aftersales
from aftersales.db import Base


def load_all_models() -> type[Base]:
    # each domain that has tables keeps them in models.py (or *_models.py); discovering them keeps this file
    # free of edits when a domain adds a table
    for module in pkgutil.walk_packages(aftersales.__path__, prefix="aftersales."):
        leaf = module.name.rsplit(".", 1)[-1]
        if leaf == "models" or leaf.endswith("_models"):
            importlib.import_module(module.name)
    return Base
