"""`newsbot-dev`: development tooling for the running bot, apart from the runtime's `newsbot`.

    newsbot-dev converse FILE... [--url WEB_APP_URL] [--timeout S] [-v]

plays conversation transcripts (tests/conversations/*.yml) through the web app's chat API, as a
reader's messages go, and reports PASS/FAIL per transcript. Exit status: 0 all passed, 1 some
failed or the bot cannot be reached, 2 a usage error or a file that is not a valid transcript.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from devtools.converse import load_transcripts, play_all
from newsbot.channels.chat_client import ChatUnavailable
from newsbot.cli import USAGE_ERROR, CommandError, chat_client, client_options
from newsbot.settings import SettingsError, get_settings

PROG = "newsbot-dev"


def cmd_converse(args: argparse.Namespace) -> int:
    transcripts, errors = load_transcripts(args.files)
    if errors:
        for error in errors:
            print(f"{PROG}: {error}", file=sys.stderr)
        return USAGE_ERROR
    with chat_client(args) as client:
        client.health()  # a clear message when no newsbot web app answers there
        return play_all(client, transcripts, sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Development tooling for the running bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    converse = commands.add_parser(
        "converse",
        parents=[client_options(get_settings().app_url)],
        help="play conversation transcripts against the running bot, through its web app",
    )
    converse.add_argument("files", nargs="+", metavar="FILE", help="transcript files (.yml), or folders of them")
    converse.set_defaults(handler=cmd_converse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except SettingsError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format=f"{PROG}: %(levelname)s: %(message)s"
    )
    try:
        return int(args.handler(args))
    except CommandError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return error.status
    except ChatUnavailable as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
