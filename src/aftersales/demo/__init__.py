"""Realistic zh-CN demo data: a year of live-stream sales and after-sales cases, deterministic per seed."""
