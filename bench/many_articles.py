"""Several knowledge folders in one index, for the benchmarks of answering over many articles."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.search import Searcher
from newsbot.settings import PROJECT_ROOT, get_settings

READER = PROJECT_ROOT / "eval" / "reader-articles"


def searcher_of_folders(folders: Sequence[Path], scratch: Path) -> Searcher:
    """A searcher over every article file of `folders`, indexed together in `scratch`."""
    model = get_settings().model
    knowledge = scratch / "knowledge"
    knowledge.mkdir()
    for folder in folders:
        for path in folder.iterdir():
            if path.is_file():
                shutil.copy(path, knowledge / path.name)
    build_index(knowledge, scratch / "index", model, progress=False)
    return Searcher(load_index(scratch / "index", model, knowledge), model)
