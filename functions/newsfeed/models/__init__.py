"""pydantic models: articles, upload formats, API shapes, errors. Imports nothing else of ours."""
