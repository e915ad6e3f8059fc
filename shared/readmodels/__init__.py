"""Read models (projections) several services keep of another service's data, built only from its events."""
