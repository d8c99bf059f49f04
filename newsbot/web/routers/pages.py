"""GET /: the demo page (the articles, paragraphs numbered so citations link to them, and the
widget on it); GET /articles/{name}: one article's page, its widget answering from it only (as a
newsroom puts the widget beside each story); GET /widget.js and /widget.css: the widget, embeddable on any site; GET
/favicon.ico: the pages' icon (without it every browser's first visit logged a 404)."""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse

from newsbot.ingest.knowledge import Article, article_files, parse_article
from newsbot.settings import Settings
from newsbot.web.deps import get_app_settings

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parents[1] / "static"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>
  body {{ font: 17px/1.55 Georgia, "Times New Roman", serif; color: #1d1d1f; margin: 0; background: #fafaf7; }}
  header, main {{ max-width: 46rem; margin: 0 auto; padding: 0 1.25rem; }}
  header {{ padding-top: 2rem; font-family: system-ui, sans-serif; }}
  header h1 {{ font-size: clamp(1.6rem, 1.2rem + 2vw, 2.2rem); line-height: 1.2; }}
  header p {{ color: #555; }}
  article {{ margin: 2rem 0 6rem; }}
  .meta {{ color: #555; font-family: system-ui, sans-serif; font-size: .9rem; }}
  p.paragraph {{ position: relative; padding-left: 2.6rem; scroll-margin-top: 1.5rem; border-radius: 4px; }}
  p.paragraph > a.number {{ position: absolute; left: 0; width: 2rem; text-align: right; color: #777;
    font: .8rem/2 system-ui, sans-serif; text-decoration: none; }}
  p.paragraph:target {{ background: #fff3c4; outline: 3px solid #f0c929; }}
  p.paragraph:focus {{ outline: 3px solid #f0c929; }}
</style>
</head>
<body>
<header>
<h1>{heading}</h1>
<p>Open the chat (“Ask the article”) and ask a question: the answer quotes {quoted},
with who said it and a link to the paragraph.</p>
</header>
<main>
{articles}
</main>
<script src="/widget.js" data-newsbot-max-chars="{max_chars}"{article_attribute} defer></script>
</body>
</html>
"""

ALL_ARTICLES_LINK = '\n<p class="meta"><a href="/">All articles</a></p>'


def article_page_url(article: Article) -> str:
    return f"/articles/{quote(article.stem, safe='')}"


def article_html(article: Article, own_page: bool = False, titled: bool = True) -> str:
    """The article with its paragraphs numbered; on a page of several, its title links to its own
    page; `titled=False` leaves the title to the page's heading."""
    meta = " · ".join(escape(article.metadata[key]) for key in ("source", "author", "date") if key in article.metadata)
    title = escape(article.title)
    if not own_page:
        title = f'<a href="{escape(article_page_url(article))}">{title}</a>'
    parts = [f'<article id="{escape(article.stem)}">', *([f"<h2>{title}</h2>"] if titled else [])]
    if meta:
        parts.append(f'<p class="meta">{meta}</p>')
    for paragraph in article.paragraphs:
        parts.extend(f"<h3>{escape(text)}</h3>" for before, text in article.headings if before == paragraph.number)
        anchor = escape(f"{article.stem}-p{paragraph.number}")
        parts.append(
            f'<p class="paragraph" id="{anchor}"><a class="number" href="#{anchor}" '
            f'aria-label="paragraph {paragraph.number}">{paragraph.number}</a> {escape(paragraph.text)}</p>'
        )
    parts.append("</article>")
    return "\n".join(parts)


def readable_articles(knowledge_dir: Path, name: str | None = None) -> list[Article]:
    """The knowledge folder's articles (or the one of that name: no other file is read); a bad
    file is left out (the index build reports it)."""
    articles = []
    for path in article_files(knowledge_dir) if knowledge_dir.is_dir() else []:
        if name is not None and path.stem != name:
            continue
        try:
            articles.append(parse_article(path, path.read_bytes()))
        except (ValueError, OSError) as error:
            logger.warning("not showing %s: %s", path, error)
    return articles


@router.get("/", response_class=HTMLResponse)
def demo_page(settings: Annotated[Settings, Depends(get_app_settings)]) -> HTMLResponse:
    readable = readable_articles(settings.knowledge_dir)
    heading = "Ask the article" if len(readable) == 1 else "Ask the articles"
    return HTMLResponse(
        PAGE.format(
            heading=heading,
            page_title=f"newsbot: {heading.lower()}",
            quoted="the article" if len(readable) == 1 else "the articles",
            articles="\n".join(article_html(article, own_page=len(readable) == 1) for article in readable)
            or "<p>No articles yet: add some to knowledge/.</p>",
            max_chars=settings.max_message_chars,
            article_attribute="",
        )
    )


@router.get("/articles/{name}", response_class=HTMLResponse)
def article_page(name: str, settings: Annotated[Settings, Depends(get_app_settings)]) -> HTMLResponse:
    """One article, with the widget answering from it only (data-newsbot-article)."""
    found = readable_articles(settings.knowledge_dir, name)
    if not found:
        return HTMLResponse(NOT_FOUND.format(name=escape(name)), status_code=404)
    article = found[0]
    title = escape(article.title)
    return HTMLResponse(
        PAGE.format(
            heading=title,
            page_title=f"{title} · newsbot",
            quoted="this article",
            articles=article_html(article, own_page=True, titled=False) + ALL_ARTICLES_LINK,
            max_chars=settings.max_message_chars,
            article_attribute=f' data-newsbot-article="{escape(article.stem)}"',
        )
    )


NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newsbot: no such article</title></head>
<body><p>There is no article “{name}”. <a href="/">All articles</a></p></body></html>
"""


def static_file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("/widget.js")
def widget_script() -> FileResponse:
    return static_file("widget.js", "text/javascript; charset=utf-8")


@router.get("/widget.css")
def widget_style() -> FileResponse:
    return static_file("widget.css", "text/css; charset=utf-8")


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return static_file("favicon.svg", "image/svg+xml")
