"""Linli requests service: the request ledger and its state machine, dispatch and offers,
deadlines and escalation, transfer, round-tables, scheduled visits, moderation, publication
and statistics.

Layout follows the ports-and-adapters design in ARCHITECTURE.md: ``domain`` is pure Python
(no grpc, mongo or kafka imports) so its rules can be unit tested without I/O.
"""
