"""The library every ASN service is built from: settings, database, events (envelope, outbox, inbox, bus),
problem-details errors, logging, health, migrations and the `asn` command line."""
