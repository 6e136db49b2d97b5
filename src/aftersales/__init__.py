"""aftersales: an after-sales service hub for live-stream e-commerce (直播电商售后)."""

__version__ = "0.1.0"
