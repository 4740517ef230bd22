"""The reference back office terminals sync with (FastAPI), and its synthetic demo data."""
