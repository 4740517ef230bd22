"""Social-security cards (社会保障卡) read over PC/SC (pyscard talking to pcscd)."""
