"""Payload models of every published event, by producing service: the contract producers write and
consumers read. A breaking change is a new model under a new `dataversion`, never an edit of an old one."""
