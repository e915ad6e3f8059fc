"""Use cases of the appraisal service, one module per sub-domain: load, call the domain, save, publish —
one transaction each."""
