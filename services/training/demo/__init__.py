"""Demo data of the training service: the catalogue of the demo province (Sulawesi Tengah), generated
deterministically from a seed number, for `asn seed` and `make dev`. `catalogue.generate_catalogue` builds it
as domain objects; the service's seeding use case writes it."""
