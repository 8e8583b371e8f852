"""Stepped care: the inner domain of Oncommun.

Instruments, scoring, stepping rules, risk alerts, mentors and outcomes live here. Other packages ask care
one question above all, "may this person enter a room of step S?", and never the other way round: care
imports no other package of ours.
"""
