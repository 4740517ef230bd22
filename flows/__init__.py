"""Flows: the Qt-free engine and the service definitions it interprets (data, never code)."""
