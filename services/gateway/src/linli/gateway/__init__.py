"""The gateway: the only public HTTP entry (REST API under /api/v1 with OpenAPI, Open311
GeoReport v2, the web pages), authenticating people and agencies and calling the services
over gRPC with a signed identity."""
