"""The local stack (`make run`) as the command and the stack itself know it."""

# Its name, where it listens unless told otherwise (the Makefile's PORT and
# AWS_PORT restate these; a unit test compares them), and the account and region moto plays.
LOCAL_STACK = "newsfeed-local"
LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 3000
LOCAL_AWS_PORT = 4566
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"  # moto's
LOCAL_SITE_URL = f"http://{LOCAL_HOST}:{LOCAL_PORT}"
