"""Events between services: CloudEvents envelope, catalogue, transactional outbox, idempotent inbox,
Kafka bus."""
