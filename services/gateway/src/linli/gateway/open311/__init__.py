"""Open311 GeoReport v2 at /open311/v2 (``bp``, registered by the gateway's app factory):
``formats`` (JSON and XML documents), ``mapping`` (Open311 <-> Linli, pure), ``catalogue``
(the services), ``routes`` (the endpoints)."""

from linli.gateway.open311.routes import bp

__all__ = ["bp"]
