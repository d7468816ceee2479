"""The site's public files, rendered from articles: feeds (`feeds`), HTML pages in the theme's look (`pages`,
with `furniture` for their words and dates, `listing_chain` for older articles), the sitemap and robots.txt
(`sitemap`), where each lives (`paths`), and what a change makes the publisher rewrite (`regenerate`)."""

from pathlib import Path

THEME = Path(__file__).resolve().parents[2] / "theme"  # the look: templates, stylesheet, catalogs, logo
