"""Second-generation resident ID-card readers (SAM module over a serial line)."""
