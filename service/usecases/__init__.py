"""Use-cases: the only layer that orchestrates, checks access and owns the transaction."""
