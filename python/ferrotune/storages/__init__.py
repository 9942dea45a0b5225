"""Storages: where studies and trials live."""

from ferrotune.storages._in_memory import BaseStorage, InMemoryStorage, get_storage

__all__ = ["BaseStorage", "InMemoryStorage", "get_storage"]
