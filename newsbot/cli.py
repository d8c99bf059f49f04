"""The `newsbot` command line: index build, search, ask, eval, serve, and chat with the running bot."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from newsbot.channels.chat_client import DEFAULT_TIMEOUT, ChatClient, ChatUnavailable, InvalidURL
from newsbot.channels.terminal import chat, render, width_of
from newsbot.conversations.store import ConversationStore, StoreError, database_url
from newsbot.dialogue import conversation
from newsbot.ingest.knowledge import KnowledgeError
from newsbot.report.service import make_report
from newsbot.report.text import render_report
from newsbot.retrieval.embeddings import ModelError
from newsbot.retrieval.evaluation import EvalSetError, evaluate, read_eval_set
from newsbot.retrieval.index import IndexUnusable, build_index
from newsbot.retrieval.search import QuestionError, Searcher, SearchResult, check_question
from newsbot.retrieval.service import open_searcher
from newsbot.serving.supervisor import StackConfig, StackError, rasa_env, running_stack
from newsbot.settings import SettingsError, get_settings

logger = logging.getLogger("newsbot")

USAGE_ERROR = 2


class CommandError(Exception):
    """A failure the user can fix; printed as one line, no traceback."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def result_json(result: SearchResult, question_id: Any = None) -> dict[str, Any]:
    return {
        "id": question_id,
        "question": result.question,
        "answerable": result.answerable,
        "confidence": result.confidence,
        "passages": [
            {
                "article": hit.passage.article,
                "title": hit.passage.title,
                "paragraph": hit.passage.paragraph,
                "text": hit.passage.text,
                "score": hit.score,
                "speaker": hit.speaker.label,
                "speaker_kind": hit.speaker.kind.value,
            }
            for hit in result.hits
        ],
    }


def print_hits(result: SearchResult) -> None:
    verdict = "answerable" if result.answerable else "not answered by the articles"
    print(f"{result.question}  [{verdict}, confidence {result.confidence:.2f}]")
    for rank, hit in enumerate(result.hits, start=1):
        passage = hit.passage
        print(f"\n{rank}. {hit.score:.3f}  {passage.title}, paragraph {passage.paragraph} — {hit.speaker.who()}")
        print(f"   {passage.text}")


ARTICLE_HELP = "answer from this article only (its file name in knowledge/ without the suffix)"


def searcher_for(args: argparse.Namespace) -> Searcher:
    """The searcher over the --knowledge articles, or over the one --article names."""
    searcher = open_searcher(args.knowledge, args.index, args.model)
    article = getattr(args, "article", None)
    if article is None:
        return searcher
    try:
        return searcher.scoped(article)
    except KeyError:
        names = ", ".join(searcher.articles)
        raise CommandError(f"--article: there is no article {article!r} (the articles: {names})", USAGE_ERROR) from None


def cmd_index_build(args: argparse.Namespace) -> int:
    result = build_index(args.knowledge, args.index, args.model, force=args.force, progress=True)
    manifest = result.manifest
    if result.built:
        print(
            f"built {args.index}: {manifest['passages']} passages from {len(manifest['articles'])} article(s) "
            f"in {result.seconds:.1f} s ({result.reason})"
        )
    else:
        print(f"{args.index} is up to date ({manifest['passages']} passages, built {manifest['built_at']})")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    if args.batch:
        return search_batch(args)
    if args.question is None:
        raise CommandError("give a QUESTION or --batch FILE.jsonl", USAGE_ERROR)
    result = searcher_for(args).search(args.question, args.k)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
    else:
        print_hits(result)
    return 0


def search_batch(args: argparse.Namespace) -> int:
    if args.question is not None:
        raise CommandError("give either a QUESTION or --batch, not both", USAGE_ERROR)
    try:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {args.batch}: {error}", USAGE_ERROR) from None
    searcher = searcher_for(args)
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question_id: Any = None
        try:
            row = json.loads(line)
            if isinstance(row, dict):
                question_id = row.get("id")
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise QuestionError('the line has no "question" string')
            output = result_json(searcher.search(row["question"], args.k), question_id)
        except (json.JSONDecodeError, QuestionError) as error:
            failures += 1
            message = "not valid JSON" if isinstance(error, json.JSONDecodeError) else str(error)
            logger.error("%s:%d: %s", args.batch, number, message)
            output = {"id": question_id, "line": number, "error": message}
        print(json.dumps(output, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def cmd_ask(args: argparse.Namespace) -> int:
    searcher = searcher_for(args)
    if args.question is not None:
        print_answer(searcher, args.question)
        return 0
    return prompt(searcher)


def print_answer(searcher: Searcher, question: str) -> None:
    print(render(conversation.ask(searcher, question), width_of(sys.stdout), sys.stdout.isatty(), chatting=False))


def prompt(searcher: Searcher) -> int:
    """Ask questions one after another until an empty line, 'quit' or end of input."""
    print(f"Ask about: {'; '.join(searcher.titles())}")
    print("An empty line or 'quit' ends.")
    while True:
        try:
            question = input("\nquestion> ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() in ("", "quit", "exit", "q"):
            return 0
        try:
            print_answer(searcher, question)
        except QuestionError as error:
            print(f"newsbot: {error}")


def cmd_eval(args: argparse.Namespace) -> int:
    questions = read_eval_set(Path(args.questions))
    searcher = searcher_for(args)
    figures = evaluate(searcher, questions, k=args.k, scoped=args.scoped)
    answerable = figures[0].answerable
    print(f"{args.questions}: {answerable} answerable, {figures[0].unanswerable} unanswerable questions")
    for row in figures:
        print(row.row())
    if args.misses:
        print("\nhybrid misses at rank 1:")
        for miss in figures[0].misses:
            print(f"  {miss}")
    return 0


def client_options(default_url: str) -> argparse.ArgumentParser:
    """The options of a command that talks to the running bot through its web app."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--url", default=default_url, help="the web app (default: %(default)s; NEWSBOT_APP_URL)")
    options.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help="seconds to wait for a reply"
    )
    options.add_argument("-v", "--verbose", action="store_true", help="log more")
    return options


def chat_client(args: argparse.Namespace) -> ChatClient:
    """The client of the --url and --timeout options; CommandError (usage) when either is wrong."""
    if not args.timeout > 0:
        raise CommandError("--timeout must be more than 0 seconds", USAGE_ERROR)
    try:
        return ChatClient(args.url, args.timeout)
    except InvalidURL as error:
        raise CommandError(f"--url: {error}", USAGE_ERROR) from None


def cmd_chat(args: argparse.Namespace) -> int:
    with chat_client(args) as client:
        return chat(client, sys.stdout, article=args.article)


def cmd_serve(args: argparse.Namespace) -> int:
    """Train when needed, start the web app and Rasa, then chat (on a terminal) or wait."""
    settings = get_settings()
    config = StackConfig(
        rasa_port=args.rasa_port,
        web_port=args.port,
        web_host=args.host,
        rasa_host=args.rasa_host,
        rasa_replicas=settings.rasa_replicas,
        web_workers=settings.web_workers,
        role=args.role,
        remote_rasa_urls=tuple(args.rasa_url or ()),
        action_url=args.action_url,
    )
    if args.role == "web" and not args.rasa_url:
        raise CommandError("--role web needs the Rasa replicas' addresses: --rasa-url URL (once each)", USAGE_ERROR)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stops the children, even mid-start
    with running_stack(config):
        if args.role == "rasa":
            actions = rasa_env(config)["NEWSBOT_ACTION_ENDPOINT"]
            print(f"Rasa replicas running at {', '.join(config.rasa_urls)}; their actions at {actions}")
            print(f"Logs in {config.logs_dir}. Press Ctrl-C to stop.")
            while True:
                time.sleep(3600)
        print(f"newsbot is running. Open {config.web_url}/ in a browser (the article and the chat widget).")
        print(f"API docs: {config.web_url}/docs")
        print(f"Logs in {config.logs_dir}")
        if args.chat or (args.chat is None and sys.stdin.isatty()):
            with ChatClient(config.web_url, timeout=60.0) as client:
                return chat(client, sys.stdout)
        print("Press Ctrl-C to stop.")
        while True:
            time.sleep(3600)


def conversation_store(args: argparse.Namespace) -> ConversationStore:
    """The store of --db, else the tracker store's database (NEWSBOT_TRACKER_DB / NEWSBOT_TRACKER_SQLITE)."""
    settings = get_settings()
    return ConversationStore(database_url(args.db or settings.tracker_db, settings.tracker_sqlite))


def since_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def positive_days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days, 1 or more")
    return int(text)


def cmd_report(args: argparse.Namespace) -> int:
    store = conversation_store(args)
    try:
        report = make_report(store, args.knowledge, args.model, args.since, get_settings().retention_days)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_report(report))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    store = conversation_store(args)
    try:
        deleted = store.forget(args.session_id)
    finally:
        store.close()
    print(f"forgot conversation {args.session_id}: deleted {deleted}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    days = args.days or get_settings().retention_days
    if days is None:
        raise CommandError("give --days N or set NEWSBOT_RETENTION_DAYS", USAGE_ERROR)
    store = conversation_store(args)
    try:
        deleted = store.prune(days, datetime.now(UTC))
    finally:
        store.close()
    print(f"deleted what is older than {days} days: {deleted}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", type=Path, default=settings.knowledge_dir, help="folder of articles")
    common.add_argument("--index", type=Path, default=settings.index_dir, help="index folder")
    common.add_argument("--model", default=settings.model, help="embedding model (default: %(default)s)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")

    parser = argparse.ArgumentParser(prog="newsbot", description="Answers questions about news articles.")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="manage the index").add_subparsers(dest="index_command", required=True)
    build = index.add_parser("build", parents=[common], help="build the index when knowledge or model changed")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.set_defaults(handler=cmd_index_build)

    search = commands.add_parser("search", parents=[common], help="the passages that best match a question")
    search.add_argument("question", nargs="?")
    search.add_argument("--k", type=int, default=5, help="passages to return (default: %(default)s)")
    search.add_argument("--json", action="store_true", help="one JSON object per question")
    search.add_argument("--batch", metavar="FILE.jsonl", help='lines of {"id": ..., "question": ...}')
    search.add_argument("--article", metavar="NAME", help=ARTICLE_HELP)
    search.set_defaults(handler=cmd_search)

    ask = commands.add_parser("ask", parents=[common], help="the composed answer to a question")
    ask.add_argument("question", nargs="?", help="without one: an interactive prompt")
    ask.add_argument("--article", metavar="NAME", help=ARTICLE_HELP)
    ask.set_defaults(handler=cmd_ask)

    evaluation = commands.add_parser("eval", parents=[common], help="retrieval figures for a question set")
    evaluation.add_argument("questions", help="JSON lines: question, article, paragraph(s), answerable")
    evaluation.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    evaluation.add_argument("--misses", action="store_true", help="list the questions missed at rank 1")
    evaluation.add_argument(
        "--scoped",
        action="store_true",
        help="ask each question of its own article only, as the widget beside a story does "
        '(questions without an "article" are asked of every article)',
    )
    evaluation.set_defaults(handler=cmd_eval)

    talk = commands.add_parser(
        "chat",
        parents=[client_options(settings.app_url)],
        help="talk to the running bot in the terminal, through its web app",
    )
    talk.add_argument("--article", metavar="NAME", help=ARTICLE_HELP)
    talk.set_defaults(handler=cmd_chat)

    store_option = argparse.ArgumentParser(add_help=False)
    store_option.add_argument(
        "--db", metavar="URL", help="the conversation store (default: NEWSBOT_TRACKER_DB, else NEWSBOT_TRACKER_SQLITE)"
    )
    report = commands.add_parser(
        "report", parents=[common, store_option], help="the editors' report of the recorded conversations"
    )
    report.add_argument("--since", type=since_date, metavar="DATE", help="from this day on (YYYY-MM-DD, UTC)")
    report.add_argument("--json", action="store_true", help="one JSON object")
    report.set_defaults(handler=cmd_report)

    forget = commands.add_parser("forget", parents=[store_option], help="delete one reader's conversation and feedback")
    forget.add_argument("session_id", metavar="SESSION_ID")
    forget.add_argument("-v", "--verbose", action="store_true", help="log more")
    forget.set_defaults(handler=cmd_forget)

    prune = commands.add_parser(
        "prune", parents=[store_option], help="delete conversations and feedback older than N days"
    )
    prune.add_argument("--days", type=positive_days, help="default: NEWSBOT_RETENTION_DAYS")
    prune.add_argument("-v", "--verbose", action="store_true", help="log more")
    prune.set_defaults(handler=cmd_prune)

    serve = commands.add_parser("serve", help="train if needed, run the web app (with the actions) and Rasa")
    serve.add_argument("--port", type=int, default=8000, help="the web app's port (default: %(default)s)")
    serve.add_argument("--host", default="127.0.0.1", help="the web app's address (default: %(default)s)")
    serve.add_argument("--rasa-port", type=int, default=5005, help="the Rasa server's port (default: %(default)s)")
    serve.add_argument(
        "--role",
        choices=("all", "web", "rasa"),
        default="all",
        help="run everything, only the web app, or only the Rasa replicas (several machines; default: %(default)s)",
    )
    serve.add_argument(
        "--rasa-host",
        default="127.0.0.1",
        help="the interface Rasa listens on (default: %(default)s: this machine only)",
    )
    serve.add_argument(
        "--rasa-url", action="append", metavar="URL", help="with --role web: a Rasa replica's address (once each)"
    )
    serve.add_argument(
        "--action-url", metavar="URL", help="with --role rasa: the web apps' action webhook (http://LB/webhook)"
    )
    serve.add_argument(
        "--chat",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="chat in the terminal (default: when on one)",
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="log more")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except SettingsError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return USAGE_ERROR
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="newsbot: %(levelname)s: %(message)s",
    )
    if args.verbose:
        logger.setLevel(logging.INFO)
    try:
        if getattr(args, "k", 1) < 1:
            raise CommandError("--k must be at least 1", USAGE_ERROR)
        if getattr(args, "question", None) is not None and not getattr(args, "batch", None):
            check_question(args.question)
        return int(args.handler(args))
    except QuestionError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return USAGE_ERROR
    except CommandError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return error.status
    except (KnowledgeError, IndexUnusable, ModelError, EvalSetError, ChatUnavailable, StackError, StoreError) as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        print(f"newsbot: the conversation store cannot be used: {first_line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
