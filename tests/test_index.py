"""Tests for newsbot.retrieval.index: atomic builds of real FAISS indexes with the real model, loading, refusing."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from conftest import MODEL, write_article

import newsbot.retrieval.index
from newsbot.domain import Passage
from newsbot.ingest.knowledge import KnowledgeError, knowledge_hash, load_articles
from newsbot.ingest.passages import passages_of
from newsbot.retrieval.index import (
    BUILDS,
    CURRENT,
    FACTS,
    FORMAT_VERSION,
    MANIFEST,
    PASSAGES,
    VECTORS,
    BuildResult,
    IndexUnusable,
    build_index,
    file_record,
    load_index,
    needs_build,
    read_manifest,
    rules_hash,
)
from newsbot.retrieval.tokens import FILES as TOKEN_FILES

ARTICLES: dict[str, tuple[str, list[str]]] = {
    "bridge-vote": (
        "Council votes on the river bridge",
        [
            "The city council voted on Tuesday to build a new bridge across the river.",
            "Jane Smith said the bridge would cut travel times for thousands of commuters.",
            "Work is expected to start next spring.",
        ],
    ),
    "school-meals": (
        "Free school meals extended",
        [
            "Free school meals will be offered to every primary pupil from September.",
            "Head teachers welcomed the decision.",
        ],
    ),
}


def write_knowledge(folder: Path) -> None:
    for stem, (title, paragraphs) in ARTICLES.items():
        write_article(folder, stem, title, paragraphs)


@dataclass(frozen=True)
class Built:
    knowledge: Path
    index: Path


@dataclass(frozen=True)
class Template:
    built: Built
    result: BuildResult


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """One real build of a tiny knowledge folder; tests work on copies of it."""
    root = tmp_path_factory.mktemp("index-template")
    knowledge = root / "knowledge"
    write_knowledge(knowledge)
    index = root / "index"
    result = build_index(knowledge, index, MODEL, progress=False)
    return Template(Built(knowledge, index), result)


@pytest.fixture
def built(template: Template, tmp_path: Path) -> Built:
    """A private copy of the template's knowledge folder and index (symlink kept as a symlink)."""
    knowledge = tmp_path / "knowledge"
    index = tmp_path / "index"
    shutil.copytree(template.built.knowledge, knowledge)
    shutil.copytree(template.built.index, index, symlinks=True)
    return Built(knowledge, index)


def current_build(index: Path) -> Path:
    return (index / CURRENT).resolve()


def build_folders(index: Path) -> list[str]:
    return sorted(entry.name for entry in (index / BUILDS).iterdir())


def edit_manifest(index: Path, **changes: Any) -> None:
    path = current_build(index) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def rerecord(index: Path, name: str) -> None:
    """Record a file's new size and checksum in the manifest, as if the build had written it so."""
    path = current_build(index) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"][name] = file_record(current_build(index) / name)
    path.write_text(json.dumps(manifest), encoding="utf-8")


# --- a build -----------------------------------------------------------------------------


def test_build_layout_and_manifest(template: Template) -> None:
    index, knowledge = template.built.index, template.built.knowledge
    result = template.result
    assert result.built is True
    assert result.reason == "no index yet"

    link = index / CURRENT
    assert link.is_symlink()
    target = Path(os.readlink(link))
    assert not target.is_absolute()
    assert target.parent == Path(BUILDS)
    folder = current_build(index)
    assert folder.parent == (index / BUILDS).resolve()
    assert build_folders(index) == [folder.name]
    assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST, VECTORS, PASSAGES, FACTS, *TOKEN_FILES])

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest == result.manifest
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["model"] == MODEL
    assert manifest["dimension"] == 384
    assert manifest["passages"] == 5
    assert manifest["articles"] == ["bridge-vote", "school-meals"]
    assert manifest["knowledge_hash"] == knowledge_hash(knowledge)
    assert manifest["rules_hash"] == rules_hash()
    assert isinstance(manifest["built_at"], str) and manifest["built_at"]
    for package in ("newsbot", "faiss-cpu", "sentence-transformers", "torch", "numpy"):
        assert manifest["versions"][package] not in ("", "not installed"), package


def test_build_passages_file_matches_knowledge(template: Template) -> None:
    folder = current_build(template.built.index)
    rows = (folder / PASSAGES).read_text(encoding="utf-8").splitlines()
    stored = [Passage.from_json(json.loads(row)) for row in rows]
    expected = [p for article in load_articles(template.built.knowledge) for p in passages_of(article)]
    assert stored == expected
    assert [p.id for p in stored] == [
        "bridge-vote:p1",
        "bridge-vote:p2",
        "bridge-vote:p3",
        "school-meals:p1",
        "school-meals:p2",
    ]


def test_load_index_matches_build(template: Template) -> None:
    index, knowledge = template.built.index, template.built.knowledge
    loaded = load_index(index, MODEL, knowledge)
    assert loaded.folder == current_build(index)
    assert loaded.manifest == template.result.manifest
    assert loaded.stale is False
    expected = [p for article in load_articles(knowledge) for p in passages_of(article)]
    assert loaded.passages == expected
    vectors: npt.NDArray[np.float32] = loaded.vectors
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(expected), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert loaded.faiss_index.ntotal == len(expected)
    # Distinct passages give distinct vectors; each vector finds itself first.
    scores, ids = loaded.faiss_index.search(vectors, 1)
    assert ids[:, 0].tolist() == list(range(len(expected)))
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)


def test_load_index_without_knowledge_dir_is_not_stale(template: Template) -> None:
    loaded = load_index(template.built.index, MODEL)
    assert loaded.stale is False
    assert len(loaded.passages) == 5


# --- rebuilds ----------------------------------------------------------------------------


def test_second_build_is_up_to_date(built: Built) -> None:
    before = current_build(built.index)
    manifest = read_manifest(built.index)
    result = build_index(built.knowledge, built.index, MODEL, progress=False)
    assert result.built is False
    assert result.reason == "up to date"
    assert result.manifest == manifest
    assert current_build(built.index) == before
    assert build_folders(built.index) == [before.name]


def test_force_rebuilds(built: Built) -> None:
    before = current_build(built.index)
    result = build_index(built.knowledge, built.index, MODEL, force=True, progress=False)
    assert result.built is True
    assert result.reason == "forced"
    after = current_build(built.index)
    assert after != before
    assert sorted(build_folders(built.index)) == sorted([before.name, after.name])
    assert load_index(built.index, MODEL, built.knowledge).folder == after


def test_changed_knowledge_rebuilds(built: Built) -> None:
    before = current_build(built.index)
    write_article(built.knowledge, "school-meals", "Free school meals extended", ["Only one paragraph now."])
    result = build_index(built.knowledge, built.index, MODEL, progress=False)
    assert result.built is True
    assert result.reason == "knowledge changed"
    assert current_build(built.index) != before
    loaded = load_index(built.index, MODEL, built.knowledge)
    assert loaded.stale is False
    assert [p.id for p in loaded.passages][-1] == "school-meals:p1"
    assert loaded.passages[-1].text == "Only one paragraph now."
    assert len(loaded.passages) == 4


def test_needs_build_reasons(template: Template) -> None:
    manifest = template.result.manifest
    knowledge = manifest["knowledge_hash"]
    assert needs_build(manifest, MODEL, knowledge) is None
    assert needs_build(None, MODEL, knowledge) == "no index yet"
    reason = needs_build(manifest, "/models/another-model", knowledge)
    assert reason is not None
    assert reason.startswith("model changed")
    assert MODEL in reason and "/models/another-model" in reason
    assert needs_build(manifest, MODEL, "0" * 64) == "knowledge changed"
    assert needs_build({**manifest, "format": FORMAT_VERSION + 1}, MODEL, knowledge) == "index format changed"
    assert needs_build({**manifest, "rules_hash": "0" * 16}, MODEL, knowledge) == "passage or attribution rules changed"


def test_an_index_built_by_other_attribution_rules_is_rebuilt(built: Built) -> None:
    edit_manifest(built.index, rules_hash="rules-of-an-older-newsbot")
    result = build_index(built.knowledge, built.index, MODEL, progress=False)
    assert result.built is True
    assert result.reason == "passage or attribution rules changed"
    assert result.manifest["rules_hash"] == rules_hash()


def test_facts_beside_an_article_are_built_into_the_index(built: Built) -> None:
    (built.knowledge / "bridge-vote.yml").write_text(
        "sides:\n  - name: the council\n    voices: [city council]\naliases:\n  the bridge people: city council\n",
        encoding="utf-8",
    )
    result = build_index(built.knowledge, built.index, MODEL, progress=False)
    assert result.reason == "knowledge changed"
    loaded = load_index(built.index, MODEL, built.knowledge)
    assert loaded.facts["bridge-vote"].sides[0].name == "the council"
    assert loaded.facts["bridge-vote"].aliases == {"the bridge people": "city council"}
    assert loaded.facts["school-meals"].sides == ()


def test_bad_facts_keep_the_previous_index(built: Built) -> None:
    before = current_build(built.index)
    (built.knowledge / "bridge-vote.yml").write_text("sides: [1, 2]\n", encoding="utf-8")
    (built.knowledge / "no-such-article.yml").write_text("aliases: {}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        build_index(built.knowledge, built.index, MODEL, progress=False)
    message = str(raised.value)
    assert "bridge-vote.yml: side 1 needs a name and voices" in message
    assert "no-such-article.yml: facts of no article" in message
    assert current_build(built.index) == before


def test_bad_knowledge_file_keeps_previous_index(built: Built) -> None:
    before = current_build(built.index)
    before_folders = build_folders(built.index)
    bad = built.knowledge / "broken.md"
    bad.write_bytes(b"---\ntitle: x\n---\n\n\xff\xfe")
    with pytest.raises(KnowledgeError) as caught:
        build_index(built.knowledge, built.index, MODEL, progress=False)
    assert str(bad) in str(caught.value)
    assert [b.path for b in caught.value.bad_files] == [bad]
    assert current_build(built.index) == before
    assert build_folders(built.index) == before_folders
    loaded = load_index(built.index, MODEL, built.knowledge)
    assert loaded.folder == before
    assert len(loaded.passages) == 5
    assert loaded.stale is True


def test_crash_mid_build_keeps_previous_index(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    before = load_index(built.index, MODEL, built.knowledge)
    before_folders = build_folders(built.index)
    write_article(built.knowledge, "extra", "An extra article", ["Something new happened."])
    calls: list[Path] = []

    def crashing_write_build(
        folder: Path, passages: list[Passage], vectors: npt.NDArray[np.float32], *rest: Any
    ) -> None:
        calls.append(folder)
        (folder / PASSAGES).write_text(json.dumps(passages[0].to_json()) + "\n", encoding="utf-8")
        raise RuntimeError("disk full")

    monkeypatch.setattr(newsbot.retrieval.index, "_write_build", crashing_write_build)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(built.knowledge, built.index, MODEL, progress=False)
    assert len(calls) == 1 and calls[0].name.startswith(".staging-")
    assert build_folders(built.index) == before_folders
    assert not [name for name in os.listdir(built.index / BUILDS) if name.startswith(".staging-")]
    after = load_index(built.index, MODEL, built.knowledge)
    assert after.folder == before.folder
    assert after.passages == before.passages
    np.testing.assert_array_equal(after.vectors, before.vectors)
    assert after.stale is True


def test_old_builds_are_pruned(built: Built) -> None:
    first = current_build(built.index).name
    (built.index / BUILDS / ".staging-leftover").mkdir()
    write_article(built.knowledge, "extra", "An extra article", ["Something new happened."])
    build_index(built.knowledge, built.index, MODEL, progress=False)
    second = current_build(built.index).name
    write_article(built.knowledge, "extra", "An extra article", ["Something else happened."])
    build_index(built.knowledge, built.index, MODEL, progress=False)
    third = current_build(built.index).name
    assert len({first, second, third}) == 3
    assert build_folders(built.index) == sorted([second, third])
    assert not [p for p in built.index.iterdir() if p.name.startswith(f".{CURRENT}.")]


# --- refusing to load --------------------------------------------------------------------


def test_load_refuses_other_model(built: Built) -> None:
    edit_manifest(built.index, model="some-other-model")
    with pytest.raises(IndexUnusable) as caught:
        load_index(built.index, MODEL, built.knowledge)
    message = str(caught.value)
    assert "some-other-model" in message
    assert MODEL in message


def test_load_refuses_dimension_mismatch(built: Built) -> None:
    edit_manifest(built.index, dimension=128)
    with pytest.raises(IndexUnusable, match="dimension") as caught:
        load_index(built.index, MODEL, built.knowledge)
    assert "128" in str(caught.value)


def test_load_refuses_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexUnusable) as caught:
        load_index(tmp_path / "no-index", MODEL)
    assert "newsbot index build" in str(caught.value)


def test_load_refuses_passage_count_mismatch(built: Built) -> None:
    path = current_build(built.index) / PASSAGES
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(rows[:-1]), encoding="utf-8")
    rerecord(built.index, PASSAGES)
    with pytest.raises(IndexUnusable, match="inconsistent"):
        load_index(built.index, MODEL, built.knowledge)


def test_load_refuses_vector_count_mismatch_even_if_manifest_agrees(built: Built) -> None:
    path = current_build(built.index) / PASSAGES
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(rows[:-1]), encoding="utf-8")
    edit_manifest(built.index, passages=len(rows) - 1)
    rerecord(built.index, PASSAGES)
    with pytest.raises(IndexUnusable, match="inconsistent"):
        load_index(built.index, MODEL, built.knowledge)


# --- staleness ---------------------------------------------------------------------------


def test_stale_after_adding_a_file(built: Built) -> None:
    assert load_index(built.index, MODEL, built.knowledge).stale is False
    write_article(built.knowledge, "extra", "An extra article", ["Something new happened."])
    assert load_index(built.index, MODEL, built.knowledge).stale is True
