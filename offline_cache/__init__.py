"""The terminal's own SQLite store; it keeps working when the network does not."""
