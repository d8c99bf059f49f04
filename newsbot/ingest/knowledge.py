"""Reading articles from the knowledge folder: Markdown with YAML front matter, and each article's
facts (sides, aliases, topics) from the YAML file beside it (`newsbot.ingest.facts`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from newsbot.ingest.facts import FACTS_SUFFIX, ArticleFacts, load_facts

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
OPTIONAL_FIELDS = ("source", "url", "date", "author")
# The Markdown an article exported from a newsroom's system may carry: its words are the article's,
# the marks are not. A heading is a chunk of one line opened by "#"s; a quotation's or a list's
# lines open with "> " or "- " / "* "; emphasis and links wrap words. Numbered lines are left as
# they are ("O\n2. This method ...": a formula broken across lines, not a list).
HEADING = re.compile(r"\A#{1,6}[ \t]+(?P<text>[^\n]*?)[ \t#]*\Z")
LINE_MARK = re.compile(r"^[ \t]*(?:>[ \t]?|[-*+][ \t]+)", re.MULTILINE)
LIST_ITEM = re.compile(r"[ \t]*[-*+][ \t]+\S")
STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
LINK = re.compile(r"\[([^\]\n]+)\]\([^)\s]+\)")


@dataclass(frozen=True)
class Paragraph:
    number: int  # counted from 1
    text: str
    start: int  # character offsets into Article.body: the paragraph's chunk, its Markdown marks included
    end: int


@dataclass(frozen=True)
class Article:
    stem: str
    title: str
    body: str
    paragraphs: tuple[Paragraph, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    facts: ArticleFacts = field(default_factory=ArticleFacts)
    # Its section headings, each with the number of the paragraph it stands before.
    headings: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class BadFile:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class KnowledgeError(Exception):
    """One or more knowledge files cannot be used; names each and why."""

    def __init__(self, bad_files: list[BadFile]) -> None:
        self.bad_files = bad_files
        lines = "\n".join(f"  {bad}" for bad in bad_files)
        super().__init__(f"{len(bad_files)} knowledge file(s) cannot be used:\n{lines}")


def article_files(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in knowledge_dir.glob("*.md") if p.is_file() and p.name.lower() != "readme.md")


def facts_files(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in knowledge_dir.glob(f"*{FACTS_SUFFIX}") if p.is_file())


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    """Every file the index is built from: the articles and their facts."""
    return sorted(article_files(knowledge_dir) + facts_files(knowledge_dir))


def plain_text(chunk: str) -> str:
    """A paragraph's words without its Markdown marks (quotation and list marks, emphasis, links)."""
    text = LINE_MARK.sub("", chunk)
    text = LINK.sub(r"\1", text)
    text = STRONG.sub(r"\2", text)
    return EMPHASIS.sub(r"\1", text).strip()


def split_paragraphs(body: str) -> tuple[tuple[Paragraph, ...], tuple[tuple[int, str], ...]]:
    """The body's paragraphs (separated by blank lines, a list's items each its own, their Markdown
    marks taken off) and its headings, each with the number of the paragraph it stands before;
    offsets are the chunks' (or the items')."""
    paragraphs: list[Paragraph] = []
    headings: list[tuple[int, str]] = []
    position = 0
    for chunk in PARAGRAPH_BREAK.split(body):
        start = body.index(chunk, position)
        position = start + len(chunk)
        raw = chunk.strip()
        if heading := HEADING.match(raw):
            if title := plain_text(heading.group("text")):
                headings.append((len(paragraphs) + 1, title))
            continue
        start += len(chunk) - len(chunk.lstrip())
        lines = raw.split("\n")
        # A list is a paragraph an item: "Fuel duty frozen" answers alone, not with the items around it.
        is_list = len(lines) > 1 and all(LIST_ITEM.match(line) for line in lines)
        for item in lines if is_list else [raw]:
            if text := plain_text(item):
                paragraphs.append(Paragraph(len(paragraphs) + 1, text, start, start + len(item)))
            start += len(item) + 1  # the item and its line break
    return tuple(paragraphs), tuple(headings)


def parse_article(path: Path, raw: bytes) -> Article:
    """Parse one article; raises ValueError with the reason when it cannot be used."""
    if b"\x00" in raw:
        raise ValueError("binary content (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte {error.start})") from None
    text = text.replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ValueError("no YAML front matter (the file must start with a '---' block)")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ValueError(f"front matter is not valid YAML ({error.__class__.__name__})") from None
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping of fields")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("front matter has no title")
    body = text[match.end() :]
    paragraphs, headings = split_paragraphs(body)
    if not paragraphs:
        raise ValueError("empty body (no paragraphs after the front matter)")
    metadata = {key: str(meta[key]) for key in OPTIONAL_FIELDS if meta.get(key) not in (None, "")}
    return Article(path.stem, title.strip(), body, paragraphs, metadata, headings=headings)


def load_articles(knowledge_dir: Path) -> list[Article]:
    """All articles of a knowledge folder; KnowledgeError naming every bad file."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError([BadFile(knowledge_dir, "knowledge folder does not exist")])
    articles: list[Article] = []
    bad: list[BadFile] = []
    for path in article_files(knowledge_dir):
        try:
            article = parse_article(path, path.read_bytes())
        except (ValueError, OSError) as error:
            bad.append(BadFile(path, str(error)))
            continue
        facts_path = path.with_suffix(FACTS_SUFFIX)
        if facts_path.is_file():
            try:
                article = replace(article, facts=load_facts(facts_path.read_bytes()))
            except (ValueError, OSError) as error:
                bad.append(BadFile(facts_path, str(error)))
        articles.append(article)
    stems = {path.stem for path in article_files(knowledge_dir)}
    for path in facts_files(knowledge_dir):
        if path.stem not in stems:
            bad.append(BadFile(path, f"facts of no article (there is no {path.stem}.md beside it)"))
    if not bad and not articles:
        bad.append(BadFile(knowledge_dir, "no articles (*.md files) found"))
    if bad:
        raise KnowledgeError(bad)
    return articles


def knowledge_hash(knowledge_dir: Path) -> str:
    """Hash of every article and facts file's name and bytes: changes whenever knowledge changes."""
    digest = hashlib.sha256()
    for path in knowledge_files(knowledge_dir):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
