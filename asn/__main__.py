"""`python -m asn`: the `asn` command."""

from asn.cli import app

app()
