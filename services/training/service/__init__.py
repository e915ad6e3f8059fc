"""Use cases of the training service, one module per sub-domain: load, call the domain, save, publish — one
transaction each."""
