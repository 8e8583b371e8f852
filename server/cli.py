"""The `oncommun` command: serve, migrate, create-user, demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import uvloop
from aiohttp import web

from server.app import create_app
from server.config import Config, ConfigError, documented_settings
from server.database import create_pool, migrate
from server.demo import demo_logins_text, seed_demo
from server.embedded import start_embedded_postgres
from server.logs import configure_logging
from server.services import SERVICES, Services

T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="oncommun",
        description="Oncommun server. Settings come from the environment: "
        + ", ".join(name for name, _ in documented_settings()),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--demo", action="store_true", help="seed the demo programme and print its logins")
    serve.add_argument("--host", help="override ONCOMMUN_HOST")
    serve.add_argument("--port", type=int, help="override ONCOMMUN_PORT")
    commands.add_parser("migrate", help="apply database migrations and exit")
    create_user = commands.add_parser(
        "create-user", help="create a user (password from ONCOMMUN_NEW_PASSWORD or a prompt)"
    )
    create_user.add_argument("--site", required=True, help="site slug, created if missing")
    create_user.add_argument("--site-name", default=None)
    create_user.add_argument("--country", default="ES")
    create_user.add_argument("--username", required=True)
    create_user.add_argument("--roles", default="patient", help="comma-separated: patient,mentor,psychologist,admin")
    create_user.add_argument("--language", default="en", choices=["ca", "es", "pt", "pl", "en"])
    create_user.add_argument("--display-name", default=None)
    commands.add_parser("demo", help="seed the demo programme, print its logins and exit")
    args = parser.parse_args(argv)

    try:
        overrides = {
            k: v for k, v in {"host": getattr(args, "host", None), "port": getattr(args, "port", None)}.items() if v
        }
        config = Config.from_env(**overrides)
    except ConfigError as exc:
        print(f"oncommun: {exc}", file=sys.stderr)
        return 2
    configure_logging(config.log_format, config.log_level)

    if args.command == "serve":
        return _serve(config, demo=args.demo)
    if args.command == "migrate":
        return _run(_migrate(config))
    if args.command == "demo":
        return _run(_with_services(config, _print_demo(config)))
    if args.command == "create-user":
        password = os.environ.get("ONCOMMUN_NEW_PASSWORD") or getpass.getpass("Password: ")
        return _run(_with_services(config, _create_user(args, password)))
    return 2


def _run(coroutine: Awaitable[int]) -> int:
    return uvloop.run(coroutine)  # type: ignore[arg-type]


def _serve(config: Config, *, demo: bool) -> int:
    app = create_app(config)
    if demo:

        async def seed(app: web.Application) -> None:
            await seed_demo(app[SERVICES])
            print(demo_logins_text(f"http://{config.host}:{config.port}"), flush=True)

        app.on_startup.append(seed)
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        loop=loop,
        shutdown_timeout=config.shutdown_grace_seconds,
        access_log=None,
        print=lambda text: print(text, flush=True),
    )
    return 0


async def _migrate(config: Config) -> int:
    dsn = config.database_url or start_embedded_postgres(config.embedded_pg_dir)
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as connection:
            applied = await migrate(connection)
    finally:
        await pool.close()
    print(f"applied migrations: {applied or 'none (up to date)'}")
    return 0


async def _with_services(config: Config, action: Callable[[Services], Awaitable[int]]) -> int:
    """Open the same services the server runs, without listening, for one command."""
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        return await action(app[SERVICES])
    finally:
        await runner.cleanup()


def _print_demo(config: Config) -> Callable[[Services], Awaitable[int]]:
    async def action(services: Services) -> int:
        await seed_demo(services)
        print(demo_logins_text(f"http://{config.host}:{config.port}"))
        return 0

    return action


def _create_user(args: argparse.Namespace, password: str) -> Callable[[Services], Awaitable[int]]:
    async def action(services: Services) -> int:
        site_id = await services.account_store.create_site(
            args.site, args.site_name or args.site, args.country, args.language
        )
        person = await services.accounts.create_user(
            site_id=site_id,
            username=args.username,
            password=password,
            roles=[r.strip() for r in args.roles.split(",") if r.strip()],
            language=args.language,
            display_name=args.display_name,
        )
        print(f"created user {person.id} ({args.username}) on site {args.site}")
        return 0

    return action


if __name__ == "__main__":
    sys.exit(main())
