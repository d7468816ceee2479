"""Search: an article's words and a query's (`words`, `query`), ranking from the index (`ranking`), a search
from text to a page of results (`finder`, with `snippets`), and keeping the index true as the content stream
reports changes (`indexing`)."""
