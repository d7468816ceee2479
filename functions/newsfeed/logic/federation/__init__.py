"""Federation: the publication, its sections and its stories as ActivityPub actors and objects, so that
readers follow them from any fediverse server. What is served (`documents`: WebFinger, NodeInfo, actors,
articles), which activities a change sends (`activities`) and how they reach followers' servers (`delivery`),
HTTP signatures (`signatures`, draft-cavage as Mastodon and Fedify send them) and what an inbox request means
(`inbox`). Where everything lives and is called is `models.fediverse` (the pages name it too)."""
