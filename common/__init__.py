"""Leaf helpers every layer may use: they import nothing of the project (an import contract checks it).

``masking`` (how personal data is shown), ``gb11643`` (ID-number check character, 15->18 conversion),
``card_tables`` (gender and nation codes printed on cards), ``months`` (calendar-month arithmetic) and
``receipt`` (the receipt document model flows render and printers print).
"""
