"""The only code that talks to AWS: keys, queries, conditional writes; AWS errors become domain errors."""
