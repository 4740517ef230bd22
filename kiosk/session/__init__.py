"""What a citizen's session does with the world, without Qt: today the identify step's reading of card events.

It lives in the layer that runs steps (the kiosk), not in ``drivers/`` (which only report what a reader saw)
nor in ``flows/`` (which only describe steps as data).
"""
