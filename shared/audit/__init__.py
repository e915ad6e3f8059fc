"""The append-only, hash-chained audit log every service that records decisions keeps (ARCHITECTURE.md §6):
the pure chain (`chain`), its store on two tables a service declares with the factories (`store`), and the
routes that let auditors read and verify it (`routes`).

Each service keeps its own chain, in its own database, rather than emitting audit events one chain consumes:
- a service owns its data (§1): its decisions and their audit entries are written in one transaction, so a
  decision rolled back leaves no entry and a committed one cannot lack its entry, which an event relayed to
  another service's chain could (between the commit and the relay) and would not prove;
- an auditor verifies a service's chain against that service alone, with no other service running and no
  cross-service dependency at verification time;
- one chain behind a broker would serialise every service's decisions through one consumer and put a gap of
  unknown length between a decision and its entry.
The cost is one chain per service to verify; the gateway routes each service's audit paths to it.
"""
