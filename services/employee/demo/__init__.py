"""Demo data: a realistic province (Sulawesi Tengah) generated deterministically from a seed number, for
`asn seed` and `make dev`. `generator.generate` builds it as domain objects; the service's seeding use case
writes it through the same bulk paths an import takes."""
