"""The local stack's pages in a real browser (Debian's chromium and chromium-driver, headless): no script
from content runs, no request leaves the origin, the console stays clean, and axe-core (npm's, injected by
the test) finds no serious or critical accessibility violation. Saves the seed article page's screenshot
that the README shows (docs/article-page.png)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.factories import markdown
from tests.support.local import Running, eventually, free_port, get, start_local_stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT = ROOT / "docs" / "article-page.png"
SEED = "kazakh-leader-offers-explanation-for-crisis"
HOSTILE = (
    '<p>Text.</p><img src=/logo.svg alt=logo onerror="window.pwned=1"><script>window.pwned=2</script>'
    '<a href="javascript:window.pwned=3">link</a><svg><script>window.pwned=4</script></svg>'
)

if not (CHROMIUM and DRIVER and AXE.exists()):
    missing = (
        "chromium and chromium-driver (apt-get install chromium chromium-driver), and npm ci for axe-core"
    )
    if os.environ.get("CI"):
        pytest.fail(f"the browser test needs {missing}", pytrace=False)
    pytest.skip(f"needs {missing}", allow_module_level=True)


PHOTO = (
    "{url: coffee.jpg, alt: A cup of coffee on a wooden table, caption: Morning coffee, credit: R. Michetti}"
)


def big_photo(path: Any) -> None:
    """The sample's real photograph (600×400), enlarged to 2400×1600 so that every rendition width exists: the
    browser's choice among them is what is tested here, not the picture's detail."""
    from PIL import Image

    Image.open(ROOT / "events" / "articles" / "photos" / "coffee.png").convert("RGB").resize(
        (2400, 1600)
    ).save(path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_local_stack(free_port(), free_port())
    try:
        story = tmp_path_factory.mktemp("hostile") / "hostile.md"
        story.write_text(
            markdown(
                title='Hostile <script>window.pwned="title"</script>',
                section="Metro",
                slug="hostile",
                body=HOSTILE,
            )
        )
        published = running.cli("publish", str(story))
        assert published.returncode == 0, published.stdout
        page = f"{running.base}/articles/hostile"  # it follows the publish within seconds
        eventually(lambda: get(page)[0] == 200, 10, f"no page for the published article: {published.stdout}")
        photographed = tmp_path_factory.mktemp("photo") / "coffee.md"
        big_photo(photographed.parent / "coffee.jpg")
        photographed.write_text(markdown(title="Coffee at dawn", section="Metro", image=PHOTO))
        published = running.cli("publish", str(photographed))
        assert published.returncode == 0, published.stdout
        yield running
    finally:
        running.process.kill()
        running.process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(argument)
    # The browser's own background requests (updates, safe browsing) are not the page's: off.
    options.add_argument("--disable-background-networking")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked for since the last call (Chrome's performance log of network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe failed', impact: 'critical', help: String(e)}]));"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(
    "path",
    [
        f"/articles/{SEED}",
        "/sections/kazakhstan-news",
        "/",
        "/articles/hostile",
        "/api/docs",
        "/search?q=script",
    ],
)
def test_a_page_runs_nothing_from_content_stays_on_its_origin_and_passes_axe(
    site: Running, browser: Any, path: str
) -> None:
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(site.base + path)
    assert browser.find_element("tag name", "h1").text
    assert browser.execute_script("return window.pwned === undefined")
    assert all(url.startswith(site.base + "/") or url.startswith("data:") for url in requested_urls(browser))
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    violations = axe_violations(browser)
    assert violations == [], [(v["id"], v["help"]) for v in violations]
    if path == f"/articles/{SEED}":
        browser.save_screenshot(str(SCREENSHOT))


def test_the_search_box_takes_a_reader_to_the_results_without_a_script(site: Running, browser: Any) -> None:
    """The header's form, as a reader sends it (the page's own policy allows a form to the site alone)."""
    browser.get(site.base + "/")
    box = browser.find_element("id", "search-words")
    box.send_keys("coffee dawn")
    box.submit()
    eventually(lambda: "/search?q=coffee+dawn" in browser.current_url, 10, browser.current_url)
    results = browser.find_element("css selector", "ol.results")
    assert "Coffee at dawn" in results.text
    assert [m.text for m in results.find_elements("tag name", "mark")] == []  # title words: no snippet marks
    assert browser.find_element("id", "search-words").get_attribute("value") == "coffee dawn"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_article_photo_moves_nothing_and_comes_no_wider_than_needed(
    site: Running, browser: Any, width: int
) -> None:
    browser.set_window_size(width, 900)
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})  # a wider one cached (the front page's) would do
    try:
        browser.get(f"{site.base}/articles/coffee-at-dawn")
        shown = browser.execute_async_script(
            """const done = arguments[arguments.length - 1];
            const img = document.querySelector("article figure img");
            const measure = () => {
              let shift = 0;
              new PerformanceObserver(list => list.getEntries().forEach(e => {
                if (!e.hadRecentInput) shift += e.value;
              })).observe({type: "layout-shift", buffered: true});
              const seen = () => ({shift, src: img.currentSrc, css: img.clientWidth, dpr: devicePixelRatio});
              setTimeout(() => done(seen()), 500);
            };
            img.complete ? measure() : img.addEventListener("load", measure);"""
        )
    finally:
        browser.set_window_size(1280, 1600)
    assert shown["shift"] == 0  # the page's own measure: width and height keep the photo's place
    assert shown["src"].endswith(".avif")  # the smallest format this browser takes
    chosen = int(shown["src"].rsplit("/w", 1)[1].split(".")[0])
    needed = shown["css"] * shown["dpr"]
    offered = [480, 800, 1200, 2000]
    assert chosen == min((w for w in offered if w >= needed), default=max(offered)), shown
