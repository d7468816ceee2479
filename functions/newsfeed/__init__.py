"""newsfeed: a serverless content feed for news publishers."""

__version__ = "0.1.0"
