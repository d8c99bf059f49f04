"""Reading articles from the knowledge folder: Markdown with YAML front matter."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
OPTIONAL_FIELDS = ("source", "url", "date", "author")


@dataclass(frozen=True)
class Paragraph:
    number: int  # counted from 1
    text: str
    start: int  # character offsets into Article.body
    end: int


@dataclass(frozen=True)
class Article:
    stem: str
    title: str
    body: str
    paragraphs: tuple[Paragraph, ...]
    metadata: dict[str, str] = field(default_factory=dict)


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


def split_paragraphs(body: str) -> tuple[Paragraph, ...]:
    paragraphs: list[Paragraph] = []
    position = 0
    for chunk in PARAGRAPH_BREAK.split(body):
        start = body.index(chunk, position)
        position = start + len(chunk)
        text = chunk.strip()
        if not text:
            continue
        start += len(chunk) - len(chunk.lstrip())
        paragraphs.append(Paragraph(len(paragraphs) + 1, text, start, start + len(text)))
    return tuple(paragraphs)


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
    paragraphs = split_paragraphs(body)
    if not paragraphs:
        raise ValueError("empty body (no paragraphs after the front matter)")
    metadata = {key: str(meta[key]) for key in OPTIONAL_FIELDS if meta.get(key) not in (None, "")}
    return Article(path.stem, title.strip(), body, paragraphs, metadata)


def load_articles(knowledge_dir: Path) -> list[Article]:
    """All articles of a knowledge folder; KnowledgeError naming every bad file."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError([BadFile(knowledge_dir, "knowledge folder does not exist")])
    articles: list[Article] = []
    bad: list[BadFile] = []
    for path in article_files(knowledge_dir):
        try:
            articles.append(parse_article(path, path.read_bytes()))
        except (ValueError, OSError) as error:
            bad.append(BadFile(path, str(error)))
    if not bad and not articles:
        bad.append(BadFile(knowledge_dir, "no articles (*.md files) found"))
    if bad:
        raise KnowledgeError(bad)
    return articles


def knowledge_hash(knowledge_dir: Path) -> str:
    """Hash of every article file's name and bytes: changes whenever knowledge changes."""
    digest = hashlib.sha256()
    for path in article_files(knowledge_dir):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
