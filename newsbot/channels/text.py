"""A reply as plain text: what Rasa sends to channels that cannot show the structured reply, what
notifications show, and the base of the terminal's rendering. Pure functions of a Reply."""

from __future__ import annotations

from newsbot.domain import Reply, ReplyKind, Source

SNIPPET_CHARS = 160


def citation(source: Source) -> str:
    """Who said it, and where: "Labour sources, paragraph 24 of “Crunch talks …”"."""
    return f"{source.who()}, paragraph {source.paragraph} of “{source.title}”"


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def excerpt(source: Source) -> str:
    """What a passage says in answer: its highlighted sentences, with "…" where its text goes on."""
    mark = source.highlight
    if mark is None or not 0 <= mark.start < mark.end <= len(source.text):
        return source.text
    before = "… " if source.text[: mark.start].strip() else ""
    after = " …" if source.text[mark.end :].strip() else ""
    return f"{before}{source.text[mark.start : mark.end].strip()}{after}"


def passage_lines(reply: Reply) -> list[str]:
    """The lines that show the reply's passages, after its lead."""
    lines: list[str] = []
    if reply.kind is ReplyKind.WHO_SAID:
        return [f"Paragraph {source.paragraph}: {source.who()}." for source in reply.passages]
    if reply.kind is ReplyKind.WHERE:
        return [f"- {citation(source)}: “{shorten(source.text)}”" for source in reply.passages]
    for source in reply.passages:
        lines += ["", f"> {excerpt(source)}", f"  — {citation(source)}"]
    return lines


def render_text(reply: Reply, with_suggestions: bool = False) -> str:
    """The reply as text: its lead, then what each passage says in answer (its highlighted
    sentences, verbatim) with its citation. Suggested questions are left to the channel's buttons
    unless `with_suggestions`."""
    lines = [reply.lead, *passage_lines(reply)]
    if with_suggestions and reply.suggestions:
        lines += ["", "You could ask:", *(f"- {question}" for question in reply.suggestions)]
    return "\n".join(lines)
