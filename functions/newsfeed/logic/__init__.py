"""Pure domain code: no AWS, no I/O of its own (ports are passed in)."""
