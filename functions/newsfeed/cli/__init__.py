"""The `newsfeed` command: publish, unpublish and look up articles, import and export them, validate and
preview files offline, against the local stack or a deployed one."""
