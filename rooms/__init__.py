"""Rooms, membership, messages and live sessions.

Handlers hold the rules and call `store` for SQL. Step access is asked of care; content filtering is a
protocol (`rooms.filters`) that moderation implements, so rooms never import moderation.
"""
