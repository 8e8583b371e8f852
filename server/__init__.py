"""The composition root: configuration, database, accounts, HTTP and Socket.IO wiring.

Nothing imports `server` except entry points and tests.
"""
