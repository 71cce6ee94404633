"""The built documentation site: offline, typeset math on the RS solver's API page, no broken internal link.

Skipped unless the site is built (``python docs/site/build.py``, which ``.ci/run`` runs before
running this file again).
"""
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "docs" / "site" / "_build" / "html"
SITE = ROOT / "docs" / "site"

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


def _derivations_and_reference_docs():
    sys.path.insert(0, str(SITE))
    try:
        import _gen  # the site generator: every docs/*.md that is not a reference doc is a derivation
    finally:
        sys.path.remove(str(SITE))
    return _gen.DERIVATIONS, _gen.REFERENCE_DOCS


def _rendered(page: Path, profile: Path) -> str:
    """The DOM of a page after the bundled MathJax ran, with the network disabled."""
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
         "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180,
    ).stdout


def _visible_text(dom: str) -> str:
    """Text a reader sees outside typeset math and code: where untypeset TeX would show."""
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    dom = re.sub(r"<mjx-container\b.*?</mjx-container>", " ", dom, flags=re.S)
    dom = re.sub(r"<(pre|code)\b.*?</\1>", " ", dom, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", dom).split())


def test_every_docs_page_is_a_theory_page():
    derivations, reference = _derivations_and_reference_docs()
    docs = {p.stem for p in (ROOT / "docs").glob("*.md")}
    assert docs == set(derivations) | set(reference), docs ^ (set(derivations) | set(reference))
    for d in docs:
        assert (HTML / "theory" / f"{d}.html").exists(), f"docs/{d}.md has no theory page (rebuild the site)"


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (Debian package 'chromium')")
def test_theory_pages_typeset_their_equations_offline(tmp_path):
    """Every derivation shows typeset math (MathJax elements) and no TeX source or MathJax error
    anywhere on a theory page: an unbalanced $, a TeX error or a math span MyST did not parse fails."""
    derivations, reference = _derivations_and_reference_docs()
    # each page once: two Chromiums on one profile directory abort ("Failed to create a ProcessSingleton")
    names = [d for d in dict.fromkeys(derivations + reference + ["equations"])
             if (HTML / "theory" / f"{d}.html").exists()]

    def check(name):
        dom = _rendered(HTML / "theory" / f"{name}.html", tmp_path / f"profile-{name}")
        text = _visible_text(dom)
        return (name, dom.count("<mjx-container"), re.findall(r'data-mjx-error="([^"]*)"', dom),
                re.findall(r".{0,40}(?:\$|\\[A-Za-z]+|\\[()\[\]{}]).{0,40}", text), "</html>" in dom)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(check, names))
    for name, n_math, errors, raw, complete in results:
        assert complete, f"{name}: Chromium returned no page"
        assert not errors, f"{name}: MathJax errors {errors[:5]}"
        assert not raw, f"{name}: untypeset TeX in the rendered text: {raw[:5]}"
        if name in derivations or name == "equations":
            assert n_math >= 10, f"{name}: only {n_math} typeset equations"


def test_done_when_path_front_page_to_sm_eq_15_to_tutorial(pages):
    """The path of issue 23's "Done when", followed through the links of the built pages: front page ->
    the function implementing [baldassi2018, SM Eq. 15] -> its equation, derivation, example and tutorial."""
    def links(page):
        return [(page.parent / unquote(urlsplit(u).path)).resolve().relative_to(HTML).as_posix()
                + ("#" + urlsplit(u).fragment if urlsplit(u).fragment else "")
                for tag, attr, u in pages[page].links if tag == "a" and not urlsplit(u).scheme]

    entry = "api/theory.perceptron.html#theory.perceptron.solve_rs"
    assert entry in links(HTML / "index.html")
    api = (HTML / "api" / "theory.perceptron.html").read_text()
    start = api.find('id="theory.perceptron.solve_rs"')
    end = api.find('<dl class="py', start)
    block = api[start:end]
    words = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    assert "[baldassi2018, SM Eq. 15]" in words and 'class="math' in block  # its equation (typeset: test above)
    assert "&gt;&gt;&gt;" in block                                        # its runnable example
    hrefs = [(HTML / "api" / unquote(urlsplit(h).path)).resolve() for h in re.findall(r'href="([^"#]+)', block)]
    derivation = HTML / "theory" / "stochastic_perceptron_rs.html"
    tutorial = HTML / "tutorials" / "stochastic_perceptron.html"
    assert derivation in hrefs and tutorial in hrefs
    # the derivation's SM Eq. 15 section has its equations as math, and links back to the function
    text = derivation.read_text()
    sec = text[text.find("Saddle-point equations"):]
    sec = sec[:sec.find("<h2")]
    assert "[baldassi2018, SM Eq. 15]" in " ".join(re.sub(r"<[^>]+>", " ", sec).split())
    assert sec.count('class="math') >= 5
    assert "../api/theory.perceptron.html#theory.perceptron.solve_rs" in text
    # the tutorial compares the RS theory (through bc_energy_curve, which solves SM Eq. 15) with simulation
    tut = tutorial.read_text()
    assert "bc_energy_curve" in tut and "fixed_norm_gd" in tut and "<img" in tut


def test_tagged_equations_are_anchors_and_their_references_link_to_them(pages):
    """A derivation's display tagged (H8), with its target (eq-hopfield-h8)=, is an anchor of the page,
    and the plain "(H8)" of the Markdown text links to it on the site."""
    derivations, _ = _derivations_and_reference_docs()
    checked = 0
    for d in derivations:
        md = (ROOT / "docs" / f"{d}.md").read_text()
        page = HTML / "theory" / f"{d}.html"
        for label in re.findall(r"^\((eq-[\w-]+)\)=$", md, re.M):
            assert label in pages[page].ids, f"{d}: no anchor {label}"
            tag = label.rsplit("-", 1)[1].upper()
            prose = re.sub(r"\$\$.*?\$\$|\\begin\{equation\*\}.*?\\end\{equation\*\}|\$[^$]*\$|`[^`]*`", "", md,
                           flags=re.S)
            if f"({tag})" in prose:
                assert f'href="#{label}"' in page.read_text(), f"{d}: ({tag}) does not link to its equation"
                checked += 1
    assert checked >= 5  # (H7), (H8), (R1), (R4)-(R6), (T1), (T7), ... are referenced in the text


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (Debian package 'chromium')")
def test_api_pages_show_citations_and_typeset_equations_offline(tmp_path, monkeypatch):
    """Every API page typesets its math with no TeX left and no MathJax error; every public name that
    docs/equations.md lists shows the citation of each equation it implements, and the typeset form
    of each one that docs/site/_equations_tex.py has (a displayed equation per form)."""
    monkeypatch.syspath_prepend(str(SITE))  # _gen imports _equations_tex when it looks a form up
    import _gen
    idx = _gen.build_index()
    fams = [f for f, _ in _gen.FAMILIES]
    with ThreadPoolExecutor(max_workers=3) as pool:
        doms = dict(zip(fams, pool.map(lambda f: _rendered(HTML / "api" / f"{f}.html", tmp_path / f), fams)))
    checked = typeset = 0
    for fam, dom in doms.items():
        assert "</html>" in dom, f"{fam}: Chromium returned no page"
        assert not re.findall(r'data-mjx-error="([^"]*)"', dom), fam
        raw = re.findall(r".{0,40}(?:\$|\\[A-Za-z]+|\\[()\[\]{}]).{0,40}", _visible_text(dom))
        assert not raw, f"{fam}: untypeset TeX {raw[:5]}"
        for full, rows in idx.implements.items():
            if not full.startswith(fam + ".") or full.count(".") != fam.count(".") + 1:
                continue
            start = dom.find(f'id="{full}"')
            assert start > 0, f"no API entry for {full}"
            end = dom.find('<dl class="py', start + 1)
            entry = dom[start:end if end > 0 else None]
            words = " ".join(re.sub(r"<[^>]+>", " ", entry).split())
            for row in rows:
                assert row.citation in words, f"{full}: citation {row.citation} not shown"
            forms = sum(1 for row in rows if _gen.tex_of(row))
            assert entry.count('display="true"') >= forms, f"{full}: {forms} typeset forms expected"
            checked += 1
            typeset += forms > 0
    assert checked >= 100 and typeset >= 40, (checked, typeset)


def test_docs_sources_have_no_control_characters():
    """No stray control characters in the Markdown sources: a LaTeX command written through a non-raw Python string
    ("\\rho", "\\frac", "\\approx") turns into a carriage return, form feed or bell, which MathJax cannot parse."""
    bad = {}
    for p in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        text = p.read_bytes()
        hits = [i for i, c in enumerate(text) if c < 32 and c not in (9, 10)]
        if hits:
            bad[p.name] = hits[:5]
    assert not bad, bad
