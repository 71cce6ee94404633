"""The built documentation site: offline, typeset math on the RS solver's API page, no broken internal link.

Skipped unless the site is built (``python docs/site/build.py``, which ``.ci/run`` runs before
running this file again).
"""
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "docs" / "site" / "_build" / "html"

pytestmark = pytest.mark.skipif(not (HTML / "index.html").exists(),
                                reason="documentation site not built (python docs/site/build.py)")

# attributes that make the browser fetch something, by tag; <a href> is navigation
FETCHED = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "video": "src"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, key, a[key]))


def _parse(path):
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def pages():
    files = sorted(HTML.rglob("*.html"))
    files = [f for f in files if "_static" not in f.parts]
    return {f: _parse(f) for f in files}


def test_site_has_every_section(pages):
    names = {f.relative_to(HTML).as_posix() for f in pages}
    for page in ["index.html", "getting_started.html", "validation.html", "api/index.html",
                 "api/theory.perceptron.html", "api/simulate.perceptron.html", "api/validate.html",
                 "theory/index.html", "theory/equations.html", "theory/stochastic_perceptron_rs.html",
                 "tutorials/index.html", "tutorials/stochastic_perceptron.html"]:
        assert page in names, page
    # the path of the issue: front page -> the function of [baldassi2018, SM Eq. 15] <- equation index row
    entry = "api/theory.perceptron.html#theory.perceptron.solve_rs"
    assert f'href="{entry}"' in (HTML / "index.html").read_text()
    assert f'href="../{entry}"' in (HTML / "theory" / "equations.html").read_text()
    # the tutorials were executed: their figures are in the pages
    assert "<img" in (HTML / "tutorials" / "stochastic_perceptron.html").read_text()


def test_every_internal_link_resolves_and_nothing_is_fetched_from_outside(pages):
    broken, external = [], []
    for page, parsed in pages.items():
        for tag, attr, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                if FETCHED.get(tag) == attr and parts.scheme in ("http", "https", ""):
                    external.append(f"{page.relative_to(HTML)}: <{tag} {attr}={url}>")
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)}: {url}")
            elif parts.fragment and target.suffix == ".html" and target in pages:
                if unquote(parts.fragment) not in pages[target].ids:
                    broken.append(f"{page.relative_to(HTML)}: {url} (no such anchor)")
    assert not external, external[:20]
    assert not broken, broken[:20]
    # stylesheets do not pull fonts or imports from the network either
    for css in HTML.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(errors="replace")), css


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (Debian package 'chromium')")
def test_rs_solver_page_shows_typeset_equation_offline(tmp_path):
    page = HTML / "api" / "theory.perceptron.html"
    dom = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: the math must typeset from local files
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=180,
    ).stdout
    start = dom.find('id="theory.perceptron.solve_rs"')
    assert start > 0, "no API entry for theory.perceptron.solve_rs"
    end = dom.find('<dl class="py', start)  # the next API object
    entry = dom[start:end if end > 0 else None]
    # MathJax replaced the TeX of [baldassi2018, SM Eq. 15] by its rendered elements
    text = " ".join(re.sub(r"<[^>]+>", " ", entry).split())
    assert "[baldassi2018, SM Eq. 15]" in text
    assert "<mjx-container" in entry and "<mjx-math" in entry
    # no TeX left untypeset anywhere on the page (MathJax removes the \( \) and \[ \] delimiters)
    assert not re.search(r"\\\(|\\\[|\$\$", re.sub(r"<script.*?</script>", "", dom, flags=re.S))
    # the entry has its example and links to the derivation and the equation index
    assert "&gt;&gt;&gt;" in entry or "&gt;&gt;&gt" in entry
    assert "stochastic_perceptron_rs.html" in entry and "equations.html#eq-baldassi2018-sm-eq-15" in entry
