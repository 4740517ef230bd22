"""Printers: receipt (ESC/POS), A4 documents and business licenses (CUPS)."""
