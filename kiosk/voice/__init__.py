"""Voice guidance: a spoken prompt for every screen, offline, cached as WAV files.

Qt-free core (prompt texts, synthesis, cache, the guide that decides what to play) and a thin Qt player
(`kiosk.voice.qt_player`). Synthesis runs on a worker thread, never on the GUI thread.
"""
