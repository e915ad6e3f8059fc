"""Use cases of the mutation service, one module per sub-domain: load, call the domain, save, publish and
audit — one transaction each."""
