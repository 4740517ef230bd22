"""The back office's synthetic people (``data``): what the reference services answer from in a demo.

None of these people exist. The terminal reaches them only through ``kiosk.demo`` (demo cards on the
simulated readers, the offline query fallback); drivers and flows never know a demo exists.
"""
