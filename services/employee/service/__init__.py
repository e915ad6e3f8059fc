"""Use cases of the employee service, one module per sub-domain: load, call the domain, save, publish —
one transaction each."""
