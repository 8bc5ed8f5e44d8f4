"""Linli organisations service: the organisation tree, grids, stations and roles.

Layout follows the ports-and-adapters design in ARCHITECTURE.md: ``domain`` is pure Python
(no grpc, mongo or kafka imports) so its rules can be unit tested without I/O.
"""
