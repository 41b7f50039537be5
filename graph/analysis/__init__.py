"""Networks projected from the store, their metrics, and the write-back of results."""
