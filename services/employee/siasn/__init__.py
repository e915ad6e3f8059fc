"""The exchange with SIASN, BKN's national civil-service system: the SIASN identities of our records, the
connector to SIASN's web services, pulling and reconciling people, and pushing completed mutations back.
A sub-domain of the employee service with the service's own layers inside (domain, adapters, service, api).
"""
