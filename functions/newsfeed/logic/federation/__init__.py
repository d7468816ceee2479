"""Federation: the publication, its sections and its stories as ActivityPub actors and objects, so that
readers follow them from any fediverse server. Where everything lives and is called (`addresses`), what is
served (`documents`: WebFinger, NodeInfo, actors, articles), which activities a change sends (`activities`),
HTTP signatures (`signatures`, draft-cavage as Mastodon and Fedify send them) and what an inbox request means
(`inbox`)."""
