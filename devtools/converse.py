"""`newsbot-dev converse`: play transcript files against the running bot, through the web app's
chat API, and report PASS/FAIL."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from devtools.transcripts import (
    Transcript,
    TranscriptError,
    TranscriptResult,
    load_transcript,
    play,
    transcript_files,
)
from newsbot.channels.chat_client import ChatClient
from newsbot.channels.text import shorten

logger = logging.getLogger(__name__)

USER_SNIPPET = 80


def load_transcripts(paths: Sequence[Path | str]) -> tuple[list[Transcript], list[TranscriptError]]:
    """Every transcript of `paths` (folders stand for their *.yml files), and the files that are not valid."""
    files = transcript_files(paths)
    transcripts: list[Transcript] = []
    errors: list[TranscriptError] = []
    for path in files:
        try:
            transcripts.append(load_transcript(path))
        except TranscriptError as error:
            errors.append(error)
    if not files:
        errors.append(TranscriptError(f"no transcript files (*.yml) in {', '.join(map(str, paths))}"))
    return transcripts, errors


def report(result: TranscriptResult, out: TextIO) -> None:
    """One line per transcript; for a failure, each failed turn with its reasons (what was expected, what came)."""
    transcript = result.transcript
    verdict = "PASS" if result.passed else "FAIL"
    print(f"{verdict}  {transcript.name}  ({transcript.path}, {len(transcript.turns)} turns)", file=out)
    for failure in result.failures:
        print(f"      turn {failure.turn.number}: you> {shorten(failure.turn.user, USER_SNIPPET)}", file=out)
        for reason in failure.reasons:
            print(f"        - {reason}", file=out)
    out.flush()


def summary(results: Sequence[TranscriptResult]) -> str:
    passed = sum(result.passed for result in results)
    return f"{passed} passed, {len(results) - passed} failed"


def play_all(client: ChatClient, transcripts: Sequence[Transcript], out: TextIO) -> int:
    """Play and report each transcript; 0 when all pass, 1 otherwise. ChatUnavailable stops the run."""
    results: list[TranscriptResult] = []
    for transcript in transcripts:
        result = play(client, transcript)
        results.append(result)
        report(result, out)
    print(f"\n{summary(results)}", file=out)
    return 0 if all(result.passed for result in results) else 1
