"""The sources: one pure module (or package) per source, rows in, records out; none touches a store."""
