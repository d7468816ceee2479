"""Every limit the system enforces, in one place (docs/editors.md's "Limits" table describes them)."""

from __future__ import annotations

# Uploads (what an editor drops into the uploads bucket under inbox/).
UPLOAD_PREFIX = "inbox/"
REJECTED_PREFIX = "rejected/"
UPLOAD_SUFFIXES = (".md", ".markdown", ".json")  # in any case: .MD is Markdown too
MAX_KEY_BYTES = 1024  # S3's limit on a key (inbox/ and the file's path), in UTF-8 bytes
MAX_UPLOAD_BYTES = 256 * 1024  # checked against the event's size before anything is downloaded

# Bulk import (`newsfeed import`): many files in one object under imports/, applied together.
IMPORT_PREFIX = "imports/"
EXPORT_KEYS = ".newsfeed-export.json"  # in an export's folder: file name -> the upload key it came from
IMPORT_RESULTS_PREFIX = "import-results/"  # what became of each bundle's files, for `newsfeed import`
MAX_IMPORT_FILES = 100  # files per import bundle
MAX_IMPORT_BYTES = 8 * 1024 * 1024  # per bundle; each file is still held to MAX_UPLOAD_BYTES
IMPORT_RETENTION_DAYS = 7  # bundles are kept this long (template.yaml's lifecycle rule), then expire

# Conditional writes that lose a race (someone changed what was read) are redone from a fresh read this many
# times in all (models.errors.retry_on_conflict); then the work fails and its queue or stream retries it.
CONFLICT_ATTEMPTS = 5
# The bulk lane's work that lost all of those to live work (which rewrites the site's feeds with each publish)
# is queued again rather than failed, this many times at most; then it fails like any other error.
BULK_RACES = 50

# Dates (uploads' published_at/updated_at and the API's from/to): written in these years.
EARLIEST_YEAR = 1800
LATEST_YEAR = 2999
# The same years as a pattern on the text (the OpenAPI document's `from`/`to`; a unit test checks it).
YEARS_PATTERN = r"^(1[89][0-9][0-9]|2[0-9][0-9][0-9])-"

# Settings the template also states as parameter patterns (a unit test compares the two).
SITE_URL_PATTERN = r"^https?://[^/\s?#]+(/[^\s?#]*)?$"
# A fediverse actor's name, as Mastodon's usernames: letters, digits and underscores, with dots and hyphens
# inside (a section's slug is one).
ACTOR_NAME_PATTERN = r"^[a-z0-9_](?:[a-z0-9_.-]{0,62}[a-z0-9_])?$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

# Article fields.
MAX_TITLE_CHARS = 300
MAX_SUBTITLE_CHARS = 600
MAX_SUMMARY_CHARS = 1_000
DERIVED_SUMMARY_CHARS = 280  # a summary derived from the body is cut at a word boundary near this
MAX_SLUG_CHARS = 96
MAX_SECTION_CHARS = 80
MAX_TAG_CHARS = 50
MAX_TAGS = 10
MAX_AUTHORS = 5
MAX_AUTHOR_CHARS = 120
MAX_IMAGE_TEXT_CHARS = 500
MAX_URL_CHARS = 2_000
MAX_BODY_HTML_BYTES = 200_000  # sanitised HTML as stored; keeps an article well inside DynamoDB's 400 KB item

# API.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
RELATED_COUNT = 5  # related articles returned by default
RELATED_COUNT_MAX = 20

# Related articles (logic.related): what one publish may read and write, whatever the archive's size.
RELATED_STORED = RELATED_COUNT_MAX  # each article keeps this many related articles, curated ones first
MAX_CURATED_RELATED = 10  # slugs an editor may pin (`related:` in an upload)
INDEX_TERMS = 40  # an article is indexed and looked up under its this-many most frequent terms
MAX_WORD_CHARS = 64  # longer runs of letters are not words (and would outgrow an index key): not indexed
POSTINGS_READ = 100  # the newest postings read per term (older ones are trimmed away, a few per publish)
POSTINGS_TRIM = 4  # postings beyond POSTINGS_READ deleted per term each time the term is indexed
RELATED_CANDIDATES = 100  # best first-pass candidates compared again in full (one BatchGetItem)
TAG_CANDIDATES = 10  # newest articles of each of its tags compared too (one Query per tag)
EXPANSION_NEIGHBOURS = 50  # nearest of those whose vectors expand the article's own
MIN_RELATED_SCORE = 0.05  # below this (logic.related.scoring.closeness) an article is not related at all
BACK_PROPAGATION = 20  # older articles a new one is offered to (their lists take it if it ranks)

# Search (logic.search): what one query may read, whatever the archive's size.
MAX_QUERY_CHARS = 500  # a longer `q` is refused (400)
MAX_QUERY_WORDS = 10  # words, phrases' words and -words of a query; later ones are left out (and said so)
SEARCH_PAGE_SIZE = 10  # results per page by default (at most MAX_PAGE_SIZE)
SEARCH_POSTINGS_READ = 1_000  # the newest postings read per term and language (one Query of at most 1 MB)
SEARCH_LANGUAGES = 4  # a query word is looked up in the archive's this-many most used languages
SEARCH_CHECKED = 100  # matches read back per request (BatchGetItem) to check phrases and make snippets
SNIPPET_WORDS = 30  # words of text a result's snippet shows
MAX_INDEXED_WORDS = 10_000  # different words indexed per article (its most frequent; a real one has fewer)

# Feeds, archives and the news sitemap.
FEED_ITEMS = 50  # the template's FeedItems default and its most (a unit test compares them)
MAX_FEED_ITEMS = 500
ARCHIVE_PAGE_ITEMS = 50  # articles per archive page (and per page of older articles)
NEWS_SITEMAP_DAYS = 2  # Google News: articles published in the last two days
NEWS_SITEMAP_ARTICLES = 1_000  # Google News: at most 1,000 <url> per sitemap

# Background work.
SCHEDULED_PER_RUN = 100  # articles the scheduler publishes per run; more wait for the next run
IDEMPOTENCY_HOURS = 24  # the same S3 change delivered again within this is recognised and skipped
MAX_CURATED_BY = 100  # articles waiting for one slug to be published, read per publish
MAX_FEED_BYTES = 512 * 1024  # well under the 1 MB many aggregators refuse

# Photos (an editor's pictures, sent with articles under inbox/; logic.photos turns each into renditions).
# Names that make an upload a photo (its content is checked: an SVG or HEIC gets a verdict saying why not).
PHOTO_SUFFIXES = (
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".avif",
    ".gif",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".svg",
)
PHOTO_PREFIX = "images/"  # renditions in the public bucket, each under its photo's digest: never rewritten
MAX_PHOTO_BYTES = 40 * 1024 * 1024  # checked against the event's size before anything is downloaded
# The write API hands a CMS a form to send a photo straight to the inbox (a photo is larger than the
# 6 MB a Lambda request may carry); the form is good for this long.
PHOTO_FORM_SECONDS = 15 * 60
MAX_PHOTO_PIXELS = 100_000_000  # read from the header before decoding (a decompression bomb stops here)
MIN_PHOTO_SIDE = 100  # pixels: smaller is an icon, not a photo
MAX_PHOTO_RATIO = 8  # the longer side at most this many times the shorter (a panorama; not a 30000×1 strip)
# An article naming a photo that has not arrived yet (a plain S3 upload sends them in any order) is tried
# again after each of these seconds, then refused with a report naming the photo: it waits 30 s at most.
PHOTO_WAIT_SECONDS = (2, 4, 8, 16)
# The photos a body may show (each <img> of one counts): each adds its renditions to the stored article,
# which stays well inside DynamoDB's 400 KB item with MAX_BODY_HTML_BYTES of body besides.
MAX_BODY_PHOTOS = 30
PHOTO_WIDTHS = (480, 800, 1200, 2000)  # each photo's renditions, in every format (never upscaled)
FEED_IMAGE_WIDTH = 1200  # a feed item's photo: the narrowest rendition this wide (what aggregators ask for)
# The crops consumers ask for, as (name, width, height): OpenGraph/Twitter, and NewsArticle's three ratios.
PHOTO_CROPS = (("og", 1200, 630), ("16x9", 1200, 675), ("4x3", 1200, 900), ("1x1", 1200, 1200))
