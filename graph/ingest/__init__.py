"""The only code that reads sources and writes stores: load, harvest, folding, provenance, summaries."""
