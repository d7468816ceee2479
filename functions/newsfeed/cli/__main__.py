"""`python -m newsfeed.cli`: the `newsfeed` command."""

import sys

from newsfeed.cli.main import main

sys.exit(main())
