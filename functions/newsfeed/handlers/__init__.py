"""Lambda entry points: parse the event, call one operation, shape the response."""
