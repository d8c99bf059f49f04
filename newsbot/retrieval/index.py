"""The index folder: FAISS vectors, passages as JSON lines and a manifest; built atomically.

Layout of an index directory:
    current -> builds/<build id>     (symlink, switched atomically after a complete build)
    builds/<build id>/manifest.json  model, dimension, passage count, articles' front matter, knowledge hash, versions
    builds/<build id>/vectors.faiss  normalized embeddings, inner-product index
    builds/<build id>/passages.jsonl one passage per line, in vector order
    builds/<build id>/facts.json     each article's facts (sides, aliases, topics: newsbot.ingest.facts)
    builds/<build id>/token_*.npy    each passage's word pieces in context (newsbot.retrieval.tokens)

The manifest records a hash of the rules that make passages and speakers (the ingest and
attribution code and data): a change to them rebuilds, as a change of knowledge or model does.
It also records each file's size and SHA-256: a damaged file (garbled, truncated, missing) is
never loaded (IndexDamaged); a build over a damaged current build rebuilds it, and when nothing
can be built `restore_last_good` points `current` back at the newest intact build. Builds take
turns through a lock file (`.build.lock`), so processes that see the same change build it once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

import newsbot.attribution
import newsbot.ingest
from newsbot import __version__
from newsbot.domain import Passage
from newsbot.ingest.facts import ArticleFacts, facts_from_json
from newsbot.ingest.knowledge import knowledge_hash, load_articles
from newsbot.ingest.passages import passages_of
from newsbot.retrieval.bm25 import BM25
from newsbot.retrieval.embeddings import embedding_dimension, encode_tokens
from newsbot.retrieval.lexicon import Lexicon
from newsbot.retrieval.tokens import FILES as TOKEN_FILES
from newsbot.retrieval.tokens import TokenStore, text_part

logger = logging.getLogger(__name__)

# 4: the manifest records each file's size and SHA-256; 5: and each article's front matter; 6: passages
# carry the later voices a paragraph quotes by name; 7: paragraphs without their Markdown marks, headings
# no paragraphs.
FORMAT_VERSION = 7
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
PASSAGES = "passages.jsonl"
FACTS = "facts.json"
CURRENT = "current"
BUILDS = "builds"
BUILD_LOCK = ".build.lock"


class IndexUnusable(Exception):
    """The index is missing or cannot be used with the current settings."""


class IndexDamaged(IndexUnusable):
    """A file of an index build is missing or differs from what its manifest recorded."""


def file_record(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def damage(folder: Path, manifest: dict[str, Any]) -> str | None:
    """What is wrong with a build's files against its manifest's records, or None when intact."""
    records = manifest.get("files")
    if not isinstance(records, dict) or not records:
        return "its manifest records no files"
    problems = []
    for name, record in sorted(records.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != record.get("size"):
            problems.append(f"{name} has {path.stat().st_size} bytes, {record.get('size')} were written")
        elif file_record(path)["sha256"] != record.get("sha256"):
            problems.append(f"{name} is corrupt (checksum differs)")
    return "; ".join(problems) or None


def _read_build_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


def verify_build(folder: Path) -> dict[str, Any]:
    """The build's manifest once every file it records is intact; IndexDamaged otherwise."""
    manifest = _read_build_manifest(folder)
    if manifest is None:
        raise IndexDamaged(f"the index build {folder.name} has no readable {MANIFEST}")
    if manifest.get("format") != FORMAT_VERSION:
        return manifest  # an older format records no files: load_index refuses it for its format
    problem = damage(folder, manifest)
    if problem:
        raise IndexDamaged(f"the index build {folder.name} is damaged: {problem}")
    return manifest


def library_versions() -> dict[str, str]:
    versions = {"newsbot": __version__}
    for package in ("faiss-cpu", "sentence-transformers", "torch", "onnxruntime", "numpy", "snowballstemmer"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def rules_hash() -> str:
    """Hash of the code and data that turn articles into passages and speakers (newsbot.ingest,
    newsbot.attribution): a change to the rules rebuilds the index."""
    digest = hashlib.sha256()
    for package in (newsbot.ingest, newsbot.attribution):
        folder = Path(package.__file__ or "").parent
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".txt", ".yml", ".json"):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    path = index_dir / CURRENT / MANIFEST
    if not path.is_file():
        return None
    return _read_build_manifest(path.parent)


@dataclass(frozen=True)
class BuildResult:
    built: bool
    reason: str
    manifest: dict[str, Any]
    seconds: float


def needs_build(manifest: dict[str, Any] | None, model: str, knowledge: str) -> str | None:
    """Why a build is needed, or None when the current index is up to date."""
    if manifest is None:
        return "no index yet"
    if manifest.get("format") != FORMAT_VERSION:
        return "index format changed"
    if manifest.get("model") != model:
        return f"model changed ({manifest.get('model')} -> {model})"
    if manifest.get("knowledge_hash") != knowledge:
        return "knowledge changed"
    if manifest.get("rules_hash") != rules_hash():
        return "passage or attribution rules changed"
    return None


def _write_build(
    folder: Path,
    passages: list[Passage],
    vectors: npt.NDArray[np.float32],
    tokens: TokenStore,
    facts: dict[str, ArticleFacts],
    manifest: dict[str, Any],
) -> None:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, str(folder / VECTORS))
    with (folder / PASSAGES).open("w", encoding="utf-8") as out:
        for passage in passages:
            out.write(json.dumps(passage.to_json(), ensure_ascii=False) + "\n")
    tokens.save(folder)
    facts_json = {article: article_facts.to_json() for article, article_facts in facts.items()}
    (folder / FACTS).write_text(json.dumps(facts_json, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name in (VECTORS, PASSAGES, FACTS, *TOKEN_FILES):
        with (folder / name).open("rb") as handle:
            os.fsync(handle.fileno())
    manifest["files"] = {name: file_record(folder / name) for name in (VECTORS, PASSAGES, FACTS, *TOKEN_FILES)}
    # The manifest is written last: a build folder without one is incomplete.
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    with (folder / MANIFEST).open("rb") as handle:
        os.fsync(handle.fileno())


def _switch_current(index_dir: Path, build_name: str) -> None:
    temporary_link = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    temporary_link.symlink_to(Path(BUILDS) / build_name)
    os.replace(temporary_link, index_dir / CURRENT)


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Remove old builds and leftovers of interrupted ones; keep the current and the previous build."""
    for entry in (index_dir / BUILDS).iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def build_index(
    knowledge_dir: Path, index_dir: Path, model: str, force: bool = False, progress: bool = True
) -> BuildResult:
    """Build when knowledge, model or rules changed, or the current build is damaged (or `force`).

    Builders of one index take turns: one that waited finds the build the other made."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / BUILD_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_index(knowledge_dir, index_dir, model, force, progress)


def _build_index(knowledge_dir: Path, index_dir: Path, model: str, force: bool, progress: bool) -> BuildResult:
    started = time.perf_counter()
    knowledge = knowledge_hash(knowledge_dir) if knowledge_dir.is_dir() else ""
    previous = read_manifest(index_dir)
    reason = "forced" if force else needs_build(previous, model, knowledge)
    if reason is None and previous is not None:
        problem = damage((index_dir / CURRENT).resolve(), previous)
        if problem is None:
            return BuildResult(False, "up to date", previous, time.perf_counter() - started)
        reason = f"the current build is damaged ({problem})"
        logger.warning("rebuilding the index in %s: %s", index_dir, reason)
    articles = load_articles(knowledge_dir)  # raises KnowledgeError before anything is written
    passages = [passage for article in articles for passage in passages_of(article)]
    logger.info("embedding %d passages of %d articles", len(passages), len(articles))
    encoded = encode_tokens(model, [passage_text_for_embedding(p) for p in passages], progress=progress)
    dimension = embedding_dimension(model)
    vectors = np.stack([state.vector for state in encoded]) if encoded else np.zeros((0, dimension), np.float32)
    tokens = TokenStore.of(
        [text_part(state, len(title_prefix(passage))) for state, passage in zip(encoded, passages, strict=True)]
    )
    build_name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    manifest = {
        "format": FORMAT_VERSION,
        "model": model,
        "dimension": dimension,
        "passages": len(passages),
        "tokens": len(tokens.pieces),
        "articles": [article.stem for article in articles],
        # What each article's front matter gives besides its title (source, url, date, author).
        "about": {article.stem: article.metadata for article in articles},
        "knowledge_hash": knowledge,
        "rules_hash": rules_hash(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
    }
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f".staging-{build_name}"
    staging.mkdir()
    try:
        facts = {article.stem: article.facts for article in articles}
        _write_build(staging, passages, vectors, tokens, facts, manifest)
        os.replace(staging, builds / build_name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous_build = (index_dir / CURRENT).resolve().name if (index_dir / CURRENT).exists() else ""
    _switch_current(index_dir, build_name)
    _prune(index_dir, {build_name, previous_build})
    return BuildResult(True, reason or "forced", manifest, time.perf_counter() - started)


def restore_last_good(index_dir: Path, model: str) -> str | None:
    """Point `current` at the newest intact build for `model` when the current one is damaged;
    the build now current (None: there is none intact). Takes the builders' lock."""
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return None
    with (index_dir / BUILD_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = (index_dir / CURRENT).resolve() if (index_dir / CURRENT).exists() else None
        candidates = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
        for folder in candidates:
            manifest = _read_build_manifest(folder)
            if manifest is None or manifest.get("format") != FORMAT_VERSION or manifest.get("model") != model:
                continue
            if damage(folder, manifest) is None:
                if folder != current:
                    _switch_current(index_dir, folder.name)
                    logger.warning("the index in %s now serves the last intact build, %s", index_dir, folder.name)
                return folder.name
    return None


def title_prefix(passage: Passage) -> str:
    """What precedes a passage's text when it is embedded: its article's title, which gives the
    passage (and each of its pieces) the article's subject."""
    return f"{passage.title}. "


def passage_text_for_embedding(passage: Passage) -> str:
    return title_prefix(passage) + passage.text


@dataclass
class LoadedIndex:
    folder: Path  # the build folder that was loaded
    manifest: dict[str, Any]
    passages: list[Passage]
    vectors: npt.NDArray[np.float32]
    faiss_index: faiss.Index
    bm25: BM25
    lexicon: Lexicon
    stale: bool
    facts: dict[str, ArticleFacts]  # per article
    tokens: TokenStore


def article_subset(index: LoadedIndex, article: str) -> LoadedIndex:
    """The loaded index of one of its articles only, as a build of that article alone would be
    (its own BM25 statistics and rarities), from what is loaded: nothing is encoded again."""
    positions = [position for position, passage in enumerate(index.passages) if passage.article == article]
    if not positions:
        raise KeyError(article)
    if positions != list(range(positions[0], positions[-1] + 1)):  # a build writes each article's passages together
        raise IndexUnusable(f"the passages of {article} are not together in the index: rebuild it")
    passages = [index.passages[position] for position in positions]
    vectors = np.ascontiguousarray(index.vectors[positions])
    faiss_index = faiss.IndexFlatIP(vectors.shape[1])
    faiss_index.add(vectors)
    manifest = dict(index.manifest, passages=len(passages))
    if isinstance(about := index.manifest.get("about"), dict):
        manifest["about"] = {stem: row for stem, row in about.items() if stem == article}
    return LoadedIndex(
        index.folder,
        manifest,
        passages,
        vectors,
        faiss_index,
        BM25([f"{p.title} {p.text}" for p in passages]),
        Lexicon([p.title for p in passages] + [p.text for p in passages]),
        index.stale,
        {stem: facts for stem, facts in index.facts.items() if stem == article},
        index.tokens.subset(positions[0], positions[-1]),
    )


def load_index(index_dir: Path, model: str, knowledge_dir: Path | None = None) -> LoadedIndex:
    folder = (index_dir / CURRENT).resolve()  # once: a build switched in meanwhile is loaded next time
    manifest = _read_build_manifest(folder)
    if manifest is None:
        raise IndexUnusable(f"no index in {index_dir}: run `newsbot index build` first")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexUnusable(
            f"the index in {index_dir} has format {manifest.get('format')}, this newsbot reads {FORMAT_VERSION}: "
            "run `newsbot index build`"
        )
    if manifest.get("model") != model:
        raise IndexUnusable(
            f"the index in {index_dir} was built with model {manifest.get('model')!r}, "
            f"but the configured model is {model!r}: rebuild with `newsbot index build`"
        )
    manifest = verify_build(folder)  # every file checked before any is read
    try:
        faiss_index = faiss.read_index(str(folder / VECTORS))
    except RuntimeError as error:
        raise IndexDamaged(f"the index build {folder.name} has an unreadable {VECTORS} ({error})") from None
    if faiss_index.d != manifest.get("dimension") or embedding_dimension(model) != faiss_index.d:
        raise IndexUnusable(
            f"the index in {index_dir} has dimension {faiss_index.d}, the manifest says "
            f"{manifest.get('dimension')} and model {model!r} gives {embedding_dimension(model)}: "
            "rebuild with `newsbot index build --force`"
        )
    with (folder / PASSAGES).open(encoding="utf-8") as rows:
        passages = [Passage.from_json(json.loads(line)) for line in rows if line.strip()]
    if len(passages) != faiss_index.ntotal or len(passages) != manifest.get("passages"):
        raise IndexUnusable(f"the index in {index_dir} is inconsistent (passages and vectors differ): rebuild it")
    vectors = faiss_index.reconstruct_n(0, faiss_index.ntotal)
    stale = False
    if knowledge_dir is not None and knowledge_dir.is_dir():
        stale = knowledge_hash(knowledge_dir) != manifest.get("knowledge_hash")
        if stale:
            logger.warning("the index in %s is stale: knowledge changed since it was built", index_dir)
    try:
        facts_json = json.loads((folder / FACTS).read_text(encoding="utf-8"))
        facts = {str(article): facts_from_json(row) for article, row in facts_json.items()}
    except (OSError, ValueError, AttributeError) as error:
        raise IndexUnusable(f"the index in {index_dir} has no readable {FACTS} ({error}): rebuild it") from None
    try:
        tokens = TokenStore.load(folder)
    except (OSError, ValueError) as error:
        raise IndexUnusable(f"the index in {index_dir} has no readable token files ({error}): rebuild it") from None
    if tokens.passages != len(passages):
        raise IndexUnusable(f"the index in {index_dir} is inconsistent (passages and tokens differ): rebuild it")
    bm25 = BM25([f"{p.title} {p.text}" for p in passages])
    lexicon = Lexicon([p.title for p in passages] + [p.text for p in passages])
    return LoadedIndex(
        folder,
        manifest,
        passages,
        np.asarray(vectors, dtype=np.float32),
        faiss_index,
        bm25,
        lexicon,
        stale,
        facts,
        tokens,
    )
