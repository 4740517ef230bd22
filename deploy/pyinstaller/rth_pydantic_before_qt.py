"""PyInstaller runtime hook: load pydantic's validators before PySide6 installs its import hook.

Once PySide6 is imported, shiboken checks every later import for ``from __feature__ import``; in a frozen
build that check asks each module for ``__wrapped__``. pydantic's compatibility modules answer attribute
look-ups by importing ``pydantic._internal._validators`` — which, while that very module is being imported
(fastapi pulls it in when the embedded back office starts), is a circular import and the back office never
starts (found by tests/test_packaging.py with pydantic 2.14 and PySide6 6.11). Importing it first, before
any Qt module, costs a few tens of milliseconds at start and only in the packaged program.
"""

import pydantic._internal._validators  # noqa: F401
