"""Tests for newsbot.ingest.knowledge: parsing articles, reporting bad files, the knowledge hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import KNOWLEDGE, SEED_ARTICLE, SHARED, write_article

from newsbot.ingest.knowledge import (
    Article,
    KnowledgeError,
    knowledge_hash,
    load_articles,
    parse_article,
    plain_text,
)

SEED_FILE = KNOWLEDGE / f"{SEED_ARTICLE}.md"
SEED_TEXT = SHARED / "seed" / "000_6367309e1ae1b2ca.txt"

VALID = (
    "---\n"
    'title: "  A council votes on the bridge  "\n'
    'source: "The Gazette"\n'
    "url: https://example.org/bridge\n"
    "date: 2018-04-24\n"
    "author: 42\n"
    "---\n"
    "\n"
    "The council voted on Tuesday.\n"
    "\n"
    "  Mr Smith said the vote\n"
    "was close.  \n"
    "\n"
    "\n"
    "\t\n"
    "Nobody else spoke.\n"
)


def _check_offsets(article: Article) -> None:
    for paragraph in article.paragraphs:
        assert article.body[paragraph.start : paragraph.end] == paragraph.text


def test_parse_valid_article() -> None:
    article = parse_article(Path("some/dir/bridge-vote.md"), VALID.encode("utf-8"))
    assert article.stem == "bridge-vote"
    assert article.title == "A council votes on the bridge"
    assert article.metadata == {
        "source": "The Gazette",
        "url": "https://example.org/bridge",
        "date": "2018-04-24",
        "author": "42",
    }
    assert all(isinstance(value, str) for value in article.metadata.values())
    assert [p.number for p in article.paragraphs] == [1, 2, 3]
    assert [p.text for p in article.paragraphs] == [
        "The council voted on Tuesday.",
        "Mr Smith said the vote\nwas close.",
        "Nobody else spoke.",
    ]
    _check_offsets(article)


def test_parse_optional_metadata_absent_or_empty() -> None:
    raw = b'---\ntitle: Bare\nsource: ""\nauthor:\n---\n\nOnly paragraph.\n'
    article = parse_article(Path("bare.md"), raw)
    assert article.title == "Bare"
    assert article.metadata == {}
    assert [p.text for p in article.paragraphs] == ["Only paragraph."]


def test_parse_crlf_article() -> None:
    crlf = VALID.replace("\n", "\r\n").encode("utf-8")
    article = parse_article(Path("bridge-vote.md"), crlf)
    lf = parse_article(Path("bridge-vote.md"), VALID.encode("utf-8"))
    assert "\r" not in article.body
    assert article.title == lf.title
    assert article.metadata == lf.metadata
    assert [p.text for p in article.paragraphs] == [p.text for p in lf.paragraphs]
    _check_offsets(article)


def test_parse_utf8_bom() -> None:
    article = parse_article(Path("bom.md"), "\ufeff---\ntitle: Bom\n---\n\nText “quoted”.\n".encode())
    assert article.title == "Bom"
    assert article.paragraphs[0].text == "Text “quoted”."


# --- the seed article -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_article() -> Article:
    if not SEED_FILE.exists():
        pytest.skip(f"{SEED_FILE} is missing")
    return parse_article(SEED_FILE, SEED_FILE.read_bytes())


def test_seed_article(seed_article: Article) -> None:
    assert seed_article.stem == SEED_ARTICLE
    assert seed_article.title == "Crunch talks between Jeremy Corbyn and Jewish community leaders"
    assert seed_article.metadata.get("source") == "The JC"
    assert len(seed_article.paragraphs) == 33
    assert [p.number for p in seed_article.paragraphs] == list(range(1, 34))
    _check_offsets(seed_article)


def test_seed_article_matches_shared_seed_text(seed_article: Article) -> None:
    if not SEED_TEXT.exists():
        pytest.skip(f"{SEED_TEXT} is missing")
    lines = [line for line in SEED_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 33
    assert [p.text for p in seed_article.paragraphs] == lines


def test_seed_folder_loads() -> None:
    if not SEED_FILE.exists():
        pytest.skip(f"{SEED_FILE} is missing")
    stems = [article.stem for article in load_articles(KNOWLEDGE)]
    assert SEED_ARTICLE in stems


# --- bad files ---------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "no-front-matter": (b"Just a paragraph without any front matter.\n", "no YAML front matter"),
    "no-title": (b'---\nsource: "The JC"\n---\n\nA paragraph.\n', "no title"),
    "empty-title": (b'---\ntitle: "   "\n---\n\nA paragraph.\n', "no title"),
    "empty-body": (b"---\ntitle: Empty\n---\n\n  \n\n\t\n", "empty body"),
    "not-utf8": (b"---\ntitle: x\n---\n\n\xff\xfe", "not valid UTF-8"),
    "binary": (b"---\ntitle: x\n---\n\nab\x00\x01\x02cd\n", "NUL bytes"),
    "bad-yaml": (b"---\ntitle: [unclosed\n---\n\nA paragraph.\n", "not valid YAML"),
    "not-mapping": (b"---\n- a\n- b\n---\n\nA paragraph.\n", "not a mapping"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_load_articles_names_bad_file_and_reason(tmp_path: Path, name: str) -> None:
    raw, reason = BAD_FILES[name]
    write_article(tmp_path, "good", "A good article", ["It is fine."])
    bad = tmp_path / f"{name}.md"
    bad.write_bytes(raw)
    with pytest.raises(KnowledgeError) as caught:
        load_articles(tmp_path)
    assert [b.path for b in caught.value.bad_files] == [bad]
    assert reason in caught.value.bad_files[0].reason
    message = str(caught.value)
    assert str(bad) in message
    assert reason in message
    assert "good.md" not in message


def test_load_articles_lists_every_bad_file(tmp_path: Path) -> None:
    write_article(tmp_path, "good", "A good article", ["It is fine."])
    for name, (raw, _) in BAD_FILES.items():
        (tmp_path / f"{name}.md").write_bytes(raw)
    with pytest.raises(KnowledgeError) as caught:
        load_articles(tmp_path)
    message = str(caught.value)
    assert len(caught.value.bad_files) == len(BAD_FILES)
    for name, (_, reason) in BAD_FILES.items():
        line = next(line for line in message.splitlines() if f"{name}.md" in line)
        assert reason in line, line


def test_load_articles_ignores_readme_and_other_files(tmp_path: Path) -> None:
    write_article(tmp_path, "alpha", "Alpha", ["First.", "Second."])
    write_article(tmp_path, "beta", "Beta", ["Only."])
    (tmp_path / "README.md").write_text("# How to write knowledge files\n\nNo front matter here.\n")
    (tmp_path / "notes.txt").write_bytes(b"\x00\xff not markdown")
    articles = load_articles(tmp_path)
    assert [a.stem for a in articles] == ["alpha", "beta"]
    assert [a.title for a in articles] == ["Alpha", "Beta"]
    assert [len(a.paragraphs) for a in articles] == [2, 1]


def test_load_articles_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(KnowledgeError) as caught:
        load_articles(missing)
    assert str(missing) in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_load_articles_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("Nothing but a readme.\n")
    with pytest.raises(KnowledgeError) as caught:
        load_articles(tmp_path)
    assert str(tmp_path) in str(caught.value)
    assert "no articles" in str(caught.value)


# --- knowledge hash ----------------------------------------------------------------------


def test_knowledge_hash_stable(tmp_path: Path) -> None:
    write_article(tmp_path, "alpha", "Alpha", ["First."])
    write_article(tmp_path, "beta", "Beta", ["Second."])
    first = knowledge_hash(tmp_path)
    assert knowledge_hash(tmp_path) == first
    # Rewriting the same bytes (new mtime) and touching a README change nothing.
    write_article(tmp_path, "alpha", "Alpha", ["First."])
    (tmp_path / "README.md").write_text("Docs.\n")
    assert knowledge_hash(tmp_path) == first


def test_knowledge_hash_changes_with_content(tmp_path: Path) -> None:
    write_article(tmp_path, "alpha", "Alpha", ["First."])
    before = knowledge_hash(tmp_path)
    write_article(tmp_path, "alpha", "Alpha", ["First!"])
    after = knowledge_hash(tmp_path)
    assert after != before
    write_article(tmp_path, "alpha", "Alpha", ["First."])
    assert knowledge_hash(tmp_path) == before


def test_knowledge_hash_changes_when_file_added(tmp_path: Path) -> None:
    write_article(tmp_path, "alpha", "Alpha", ["First."])
    before = knowledge_hash(tmp_path)
    write_article(tmp_path, "beta", "Beta", ["Second."])
    assert knowledge_hash(tmp_path) != before


def test_knowledge_hash_changes_when_file_renamed(tmp_path: Path) -> None:
    path = write_article(tmp_path, "alpha", "Alpha", ["First."])
    before = knowledge_hash(tmp_path)
    path.rename(tmp_path / "gamma.md")
    assert knowledge_hash(tmp_path) != before


MARKDOWN = (
    "---\n"
    'title: "Budget 2026: what it means for you"\n'
    "---\n"
    "\n"
    "The Chancellor unveiled her **second** budget on Wednesday.\n"
    "\n"
    "## Income tax\n"
    "\n"
    "Thresholds stay frozen, the [Institute for Fiscal Studies](https://ifs.org.uk) said.\n"
    "\n"
    "Key changes at a glance:\n"
    "\n"
    "- Fuel duty frozen\n"
    "* Tobacco duty up by 2%\n"
    "\n"
    '> "This is a budget for working people," Ms Moss told MPs.\n'
    "\n"
    "### Reaction ###\n"
    "\n"
    "*Read more: How the budget affects pensioners*\n"
    "\n"
    "It burns at 3,200 °C, forming O\n"
    "2. This method of welding became common.\n"
)


def test_an_articles_markdown_marks_are_not_its_words() -> None:
    """An article exported with Markdown: its headings are no paragraphs (numbered apart, shown as
    headings), a list's items are, and quotation and list marks, emphasis and links are taken off
    the words; a line
    opening with a number is the article's own ("O\\n2. This method": XQuAD's oxygen article)."""
    article = parse_article(Path("budget.md"), MARKDOWN.encode("utf-8"))
    assert article.headings == ((2, "Income tax"), (7, "Reaction"))
    assert [p.text for p in article.paragraphs] == [
        "The Chancellor unveiled her second budget on Wednesday.",
        "Thresholds stay frozen, the Institute for Fiscal Studies said.",
        "Key changes at a glance:",
        "Fuel duty frozen",  # a list's items are paragraphs of their own: each answers alone
        "Tobacco duty up by 2%",
        '"This is a budget for working people," Ms Moss told MPs.',
        "Read more: How the budget affects pensioners",
        "It burns at 3,200 °C, forming O\n2. This method of welding became common.",
    ]
    assert [p.number for p in article.paragraphs] == list(range(1, 9))
    for paragraph in article.paragraphs:  # the offsets are the paragraph's chunk, marks and all
        assert plain_text(article.body[paragraph.start : paragraph.end]) == paragraph.text
