"""The Linli service kit: the plumbing every service shares, and no domain code.

Service layer (the one pattern every service follows):
  commands (the `Command` base and the `Actor` every command carries), messagebus (dispatches
  a command to its handler, injecting dependencies by parameter name), unit_of_work (ordered
  per-key locks, a private working copy, one version-checked write with the events, then the
  read model), aggregates (the repository writing aggregates with their events through an
  injected event encoder), validation (input checks, one message style), domain_events (the
  DomainEvent envelope the adapters encode typed domain events into), codec (dataclasses to
  documents and back), ids, paging, geo.
Storage and events:
  mongo (connection, AggregateStore: versioned writes carrying the outbox), cloudevents (the
  event envelope), outbox (the relay) and outbox_watermark (what is published, as one number),
  publisher (sends the relay's records, in-process or from a child process), kafka_io (the
  producer, topics, broker reachability), consumer (idempotent consumer loop with DLQ and a
  dead-letter limit), protojson (fast protobuf-from-JSON-mapping), admin (topic creation).
gRPC and process:
  grpc_server (server with health, reflection, diagnostics), grpc_interceptors (one server
  interceptor per concern: request id, identity, deadline, logs, metrics, errors), grpc_client
  (channels propagating identity, request id and deadline; gRPC-native retries of idempotent
  calls), deadlines (the served call's deadline), identity (caller identity in gRPC metadata),
  errors (error types mapped to gRPC codes and RFC 9457 problems), runtime (start, health with
  critical and degrading checks, drain and stop a service), timers (periodic workers), config
  (environment settings), logs (JSON logging with request and event ids), metrics (Prometheus).
"""
