"""The Linli service kit: the plumbing every service shares, and no domain code.

Modules: config (environment settings), logs (JSON logging with request and event ids),
errors (error types mapped to gRPC codes and RFC 9457 problems), identity (caller identity
carried in gRPC metadata), metrics (Prometheus), grpc_server / grpc_client, mongo
(connection and versioned aggregate writes), cloudevents (the event envelope), kafka_io
(producer, topics), outbox (the relay) and outbox_watermark, consumer (idempotent consumer loop with DLQ),
runtime (start, run and drain a service).
"""
