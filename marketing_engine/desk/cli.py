"""`marketing-engine serve` (the review desk) and `marketing-engine user add NAME --role ROLE`
(the people who may sign in; the password is prompted for, or read from the first line of stdin)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from marketing_engine.warehouse.models.desk import ROLES


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from marketing_engine.brand import BrandFileError, load_brand
    from marketing_engine.desk.app import create_app
    from marketing_engine.resources import build_resources
    from marketing_engine.settings import brand_path, warehouse_url
    from marketing_engine.signing import signing_secret
    from marketing_engine.warehouse import Warehouse

    if args.brand:
        os.environ["MARKETING_ENGINE_BRAND"] = os.path.abspath(args.brand)
    try:
        profile = load_brand(brand_path())
    except BrandFileError as exc:
        print(f"Brand file error: {exc}", file=sys.stderr)
        return 2
    media = build_resources()["media_store"]  # the store the pages stage wrote to (local or S3)
    app = create_app(
        Warehouse(warehouse_url()), profile, signing_secret(), https_only=args.https_only, media=media
    )
    print(
        f"Review desk for {profile.name}: http://{args.host}:{args.port}/ (users: `marketing-engine user add`)"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def read_password(confirm: bool = True) -> str:
    """The password from the first line of stdin, or prompted for (twice when `confirm`)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if confirm and first != getpass.getpass("Password again: "):
        raise SystemExit("the two passwords differ: nothing was changed")
    return first


def _user(args: argparse.Namespace) -> int:
    from marketing_engine.desk.auth import UserError, add_user
    from marketing_engine.settings import warehouse_url
    from marketing_engine.warehouse import Warehouse

    try:
        with Warehouse(warehouse_url()).session() as session:
            user = add_user(session, args.name, args.role, read_password())
            print(f"user {user.name}: {user.role}")
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def register_serve(subparsers) -> None:
    serve = subparsers.add_parser(
        "serve", help="the review desk in the browser (queue, calendar, unsubscribe)"
    )
    serve.add_argument("--host", default=os.environ.get("MARKETING_ENGINE_DESK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("MARKETING_ENGINE_DESK_PORT", "8080")))
    serve.add_argument("--brand", help="brand file (default: $MARKETING_ENGINE_BRAND or brand.example.yaml)")
    serve.add_argument(
        "--https-only", action="store_true", help="session cookie only over HTTPS (behind a TLS proxy)"
    )
    serve.set_defaults(func=_serve)


def register_user(subparsers) -> None:
    user = subparsers.add_parser("user", help="the review desk's users")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a user, or set its role and password")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.set_defaults(func=_user)
