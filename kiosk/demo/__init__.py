"""Everything that exists only for the embedded default (``kiosk demo``, ``Config()`` in tests).

``embedded`` starts the reference back office in-process; ``link`` connects the terminal to it and answers
offline queries from the synthetic dataset; ``cards`` puts the demo people's cards on the simulated
readers; ``script`` is the headless demo's scripted citizen and ``robot`` the touch robot it (and the UI
tests) drive the window with. This is the only package of the terminal that imports ``backoffice``
(an import contract checks it): drivers and flows never know a demo exists.
"""
