"""The read API: an ASGI app (Mangum in Lambda, uvicorn on the local stack)."""
