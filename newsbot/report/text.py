"""The report as text for the terminal (`newsbot report`)."""

from __future__ import annotations

import textwrap

from newsbot.report.build import Report

WIDTH = 100


def shorten(text: str, width: int = 90) -> str:
    return textwrap.shorten(" ".join(text.split()), width, placeholder="…")


def render_report(report: Report) -> str:
    lines: list[str] = []
    since = f" since {report.since.isoformat()}" if report.since else ""
    lines.append(f"newsbot report{since} (generated {report.generated_at:%Y-%m-%d %H:%M} UTC)")

    totals = report.totals
    header = f"{'date':<12}{'asked':>7}{'answered':>10}{'declined':>10}{'follow-ups':>12}"
    lines += ["", "QUESTIONS PER DAY (UTC)", header]
    for day in report.days:
        lines.append(f"{day.day.isoformat():<12}{day.asked:>7}{day.answered:>10}{day.declined:>10}{day.follow_ups:>12}")
    lines.append(f"{'total':<12}{totals.asked:>7}{totals.answered:>10}{totals.declined:>10}{totals.follow_ups:>12}")
    if not report.days:
        lines.append("(no conversations recorded)")

    lines += ["", "WHAT READERS WANTED THAT THE ARTICLES DON'T SAY (declined questions, grouped by meaning)"]
    for number, group in enumerate(report.declined, start=1):
        lines.append(f"{number:>3}. {group.count} × {shorten(group.questions[0])}")
        for question in group.questions[1:3]:
            lines.append(f"       also: {shorten(question, 80)}")
        if len(group.questions) > 3:
            lines.append(f"       and {len(group.questions) - 3} more worded differently")
    if not report.declined:
        lines.append("(none)")

    if report.stories:
        lines += ["", "ASKED BESIDE EACH STORY (the widget on the story's page)"]
        for story in report.stories:
            counts = f"{story.asked} asked, {story.answered} answered, {story.declined} declined"
            lines.append(f"“{shorten(story.title, 70)}”: {counts}")
            for question, count in story.declined_questions:
                lines.append(f"  declined {count} × {shorten(question, 80)}")

    lines += ["", f"FEEDBACK: {report.up} thumbs up, {report.down} thumbs down"]
    for judged in report.judged:
        mark = "👎" if judged.rating == "down" else "👍"
        lines.append(f"{mark} {judged.at:%Y-%m-%d} “{shorten(judged.question, 80)}”")
        lines.append(f"    answer: {shorten(judged.lead, 80)}")
        if judged.comment:
            lines.append(f"    comment: {shorten(judged.comment, 200)}")
        for citation in judged.cited:
            lines.append(f"    cited: paragraph {citation.paragraph} of “{shorten(citation.title, 70)}”")

    lines += ["", "MOST CITED PARAGRAPHS"]
    for article in report.articles:
        cited = sum(article.counts)
        citations = f"{cited} citation{'' if cited == 1 else 's'}"
        if article.in_knowledge:
            lines.append(f"“{article.title}” ({len(article.counts)} paragraphs, {citations})")
        else:
            lines.append(f"{article.article} (no longer in knowledge/, {citations})")
        for number, count in article.top():
            lines.append(f"  ¶{number:<3} {count:>4}×  {shorten(article.texts[number - 1], 70)}".rstrip())
        if not any(article.counts):
            lines.append("  (never cited)")

    latency = report.latency
    lines += ["", "ANSWER LATENCY (ms, nearest rank, per turn)"]
    if latency.count:
        figures = "  ".join(f"p{p} {value}" for p, value in latency.percentiles.items())
        lines.append(f"{figures}  max {latency.max}  ({latency.count} turn{'' if latency.count == 1 else 's'})")
    else:
        lines.append("(no turns)")
    return "\n".join(lines) + "\n"
