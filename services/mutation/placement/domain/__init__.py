"""The placement engine: inputs (`instance`), eligible pairs (`pairs`), scores (`scoring`), the flow model
and its solver (`network`), plans and what-ifs (`engine`), their explanations (`explain`), comparison
(`compare`) and fairness report (`fairness`) — NumPy arrays throughout, no I/O — plus the round as HR
defines it (`rounds`) and the coordinates of the work locations (`locations`)."""
