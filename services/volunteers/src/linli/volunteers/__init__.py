"""Linli volunteers service: volunteer profiles, teams, posts and skills, the points and hours
ledger, and matching volunteers to requests.

Layout follows the ports-and-adapters design in ARCHITECTURE.md: ``domain`` is pure Python
(no grpc, mongo or kafka imports) so its rules, the ledger and the matching index can be unit
tested and benchmarked without I/O.
"""
