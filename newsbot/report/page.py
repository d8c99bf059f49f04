"""The report as one HTML page (/admin/report): charts drawn on the server as inline SVG, no
script, nothing loaded from elsewhere. Every text from readers or articles is escaped."""

from __future__ import annotations

import base64
import hashlib
import textwrap
from html import escape

from newsbot.report.build import ArticleCitations, Day, Report

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1d232b; margin: 0 auto; max-width: 980px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; }
.meta, .note { color: #5b6470; } .figures { display: flex; gap: 1.5rem; flex-wrap: wrap; margin: 1rem 0; }
.figure { background: #f3f5f8; border-radius: 6px; padding: .6rem 1rem; }
.figure b { display: block; font-size: 1.4rem; }
svg text { font: 11px system-ui, sans-serif; fill: #3a424d; }
.answered { fill: #2f6db5; } .declined { fill: #d9822b; } .axis { stroke: #9aa3ad; stroke-width: 1; }
.legend span { display: inline-block; width: .8em; height: .8em; margin: 0 .3em 0 1em; vertical-align: -1px; }
.legend .answered { background: #2f6db5; } .legend .declined { background: #d9822b; }
.cell { stroke: #fff; stroke-width: 1; }
ol.groups li, ul.down li { margin-bottom: .8rem; } .count { font-weight: 600; }
.examples { color: #4a535e; } blockquote { margin: .2rem 0 .2rem 1rem; color: #4a535e; }
.comment { background: #fff4e5; border-left: 3px solid #d9822b; padding: .2rem .6rem; margin: .3rem 0; }
table { border-collapse: collapse; } td, th { padding: .15rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""

# The page's only inline code is its style sheet, allowed by its hash.
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEAT = ("#f1f4f8", "#fde2c4", "#fbc48a", "#f59e4c", "#e0701c", "#b34d0b")


def days_chart(days: tuple[Day, ...]) -> str:
    """Bars per day: the answered and the declined questions, stacked."""
    if not days:
        return '<p class="note">No questions recorded yet.</p>'
    width, height, left, bottom = 900, 220, 36, 28
    top = max((day.answered + day.declined for day in days), default=1) or 1
    step = (width - left) / len(days)
    bar = max(2.0, min(40.0, step * 0.7))
    scale = (height - bottom - 10) / top
    parts = [
        f'<svg role="img" aria-labelledby="days-title" viewBox="0 0 {width} {height}" width="100%">',
        '<title id="days-title">Questions answered and declined per day</title>',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"/>',
        f'<text x="{left - 6}" y="{height - bottom - top * scale + 4:.1f}" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height - bottom + 4}" text-anchor="end">0</text>',
    ]
    label_every = max(1, len(days) // 12)
    for number, day in enumerate(days):
        x = left + number * step + (step - bar) / 2
        answered_h, declined_h = day.answered * scale, day.declined * scale
        base = height - bottom
        tip = f"{day.day.isoformat()}: {day.asked} asked, {day.answered} answered, {day.declined} declined"
        parts.append(f"<g><title>{escape(tip)}</title>")
        parts.append(
            f'<rect class="answered" x="{x:.1f}" y="{base - answered_h:.1f}" '
            f'width="{bar:.1f}" height="{answered_h:.1f}"/>'
        )
        parts.append(
            f'<rect class="declined" x="{x:.1f}" y="{base - answered_h - declined_h:.1f}" '
            f'width="{bar:.1f}" height="{declined_h:.1f}"/></g>'
        )
        if number % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle">{day.day:%d %b}</text>')
    parts.append("</svg>")
    legend = '<p class="legend"><span class="answered"></span>answered<span class="declined"></span>declined</p>'
    return "".join(parts) + legend


def heat_strip(article: ArticleCitations) -> str:
    """The article's paragraphs in order, each a cell coloured by how often answers cited it."""
    count = len(article.counts)
    if count == 0:
        return ""
    width, cell_h = 900, 34
    cell_w = width / count
    most = max(article.counts) or 1
    parts = [
        f'<svg role="img" aria-label="Citations of each paragraph of {escape(article.title, quote=True)}" '
        f'viewBox="0 0 {width} {cell_h + 18}" width="100%">'
    ]
    for number, cited in enumerate(article.counts, start=1):
        shade = HEAT[0] if cited == 0 else HEAT[1 + min(len(HEAT) - 2, (cited * (len(HEAT) - 1) - 1) // most)]
        excerpt = textwrap.shorten(article.texts[number - 1], 160, placeholder="…")
        tip = f"Paragraph {number}: cited {cited} times. {excerpt}"
        x = (number - 1) * cell_w
        parts.append(
            f'<g><title>{escape(tip)}</title><rect class="cell" x="{x:.1f}" y="0" width="{cell_w:.1f}" '
            f'height="{cell_h}" fill="{shade}"/></g>'
        )
        if count <= 40 or number % 5 == 0 or number == 1:
            parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{cell_h + 13}" text-anchor="middle">{number}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_page(report: Report) -> str:
    totals, latency = report.totals, report.latency
    since = f"since {report.since.isoformat()}" if report.since else "all recorded conversations"
    figures = [
        ("questions asked", totals.asked),
        ("answered", totals.answered),
        ("declined", totals.declined),
        ("follow-ups", totals.follow_ups),
        ("helpful / not helpful", f"{report.up} / {report.down}"),
        ("median answer (ms)", latency.percentiles[50] if latency.count else "–"),
    ]
    body = [
        "<h1>What readers asked</h1>",
        f'<p class="meta">newsbot report, {escape(since)}; generated {report.generated_at:%Y-%m-%d %H:%M} UTC</p>',
        '<div class="figures">',
        *(f'<div class="figure"><b>{escape(str(value))}</b>{escape(label)}</div>' for label, value in figures),
        "</div>",
        "<h2>Questions and declines per day</h2>",
        days_chart(report.days),
        "<h2>What readers wanted that the articles don't say</h2>",
        '<p class="note">Questions the bot declined, similar questions grouped together.</p>',
    ]
    if report.declined:
        body.append('<ol class="groups">')
        for group in report.declined:
            others = "".join(f"<li>{escape(question)}</li>" for question in group.questions[1:6])
            more = f"<li>and {len(group.questions) - 6} more</li>" if len(group.questions) > 6 else ""
            body.append(
                f'<li><span class="count">{group.count}×</span> {escape(group.questions[0])}'
                + (f'<ul class="examples">{others}{more}</ul>' if others else "")
                + "</li>"
            )
        body.append("</ol>")
    else:
        body.append('<p class="note">No declined questions.</p>')
    if report.stories:
        body.append("<h2>Asked beside each story</h2>")
        body.append('<p class="note">Questions asked in the widget on a story\'s own page, and those it declined.</p>')
        body.append("<table><tr><th>story</th><th>asked</th><th>answered</th><th>declined</th></tr>")
        for story in report.stories:
            body.append(
                f"<tr><td>{escape(story.title)}</td><td>{story.asked}</td>"
                f"<td>{story.answered}</td><td>{story.declined}</td></tr>"
            )
        body.append("</table>")
        for story in report.stories:
            if story.declined_questions:
                questions = "".join(
                    f'<li><span class="count">{count}×</span> {escape(question)}</li>'
                    for question, count in story.declined_questions
                )
                body.append(f"<h3>Declined beside “{escape(story.title)}”</h3><ul>{questions}</ul>")
    body.append("<h2>Answers readers found wrong</h2>")
    if report.thumbs_down:
        body.append('<ul class="down">')
        for judged in report.thumbs_down:
            cited = "; ".join(f"paragraph {c.paragraph} of “{escape(c.title)}”" for c in judged.cited)
            comment = f'<div class="comment">{escape(judged.comment)}</div>' if judged.comment else ""
            body.append(
                f'<li><b>{escape(judged.question)}</b> <span class="meta">{judged.at:%Y-%m-%d %H:%M}</span>'
                f"<blockquote>{escape(judged.lead)}</blockquote>{comment}"
                + (f'<div class="meta">Cited: {cited}</div>' if cited else "")
                + "</li>"
            )
        body.append("</ul>")
    else:
        body.append('<p class="note">No thumbs-down yet.</p>')
    body.append("<h2>Which paragraphs carry the story</h2>")
    for article in report.articles:
        body.append(f"<h3>{escape(article.title)}</h3>")
        if article.in_knowledge:
            body.append(f'<p class="note">{sum(article.counts)} citations across {len(article.counts)} paragraphs.</p>')
        else:
            body.append(
                f'<p class="note">{sum(article.counts)} citations; no longer in knowledge/, its text unknown.</p>'
            )
        body.append(heat_strip(article))
        top = article.top()
        if top:
            body.append("<ol>")
            for number, count in top:
                excerpt = textwrap.shorten(article.texts[number - 1], 220, placeholder="…")
                told = f": {escape(excerpt)}" if excerpt else ""
                body.append(f"<li>Paragraph {number}, cited {count}×{told}</li>")
            body.append("</ol>")
    body.append("<h2>Answer latency</h2>")
    if latency.count:
        cells = "".join(f"<td>{value}</td>" for value in latency.percentiles.values())
        heads = "".join(f"<th>p{p}</th>" for p in latency.percentiles)
        body.append(
            f"<table><tr><th>turns</th>{heads}<th>max</th></tr>"
            f"<tr><td>{latency.count}</td>{cells}<td>{latency.max}</td></tr></table>"
            '<p class="note">Milliseconds per turn, nearest rank.</p>'
        )
    else:
        body.append('<p class="note">No turns recorded.</p>')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsbot report</title><style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>"
    )
