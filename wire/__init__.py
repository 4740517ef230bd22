"""The terminal <-> back-office contract, standard library only, shared by both sides.

``signing`` (headers, the canonical request, HMAC signatures, auth error codes), ``events`` (the outbox
event kinds and their field limits), ``services`` (the query services a flow may name and their error
codes), ``limits`` (sizes both sides enforce). Change the contract here and both sides change together;
it imports nothing of the project but ``common`` (an import contract checks it).
"""
