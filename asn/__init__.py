"""The composition root: the one place that knows which services the platform has (`asn.services`), and
what is built from them - the `asn` command line, the dev supervisor, migrations by service name and the
demo seed."""
