"""``madoguchi bench_booking``: see madoguchi/reservations/bench.py (run via
``make bench-booking``, which starts its own PostgreSQL). The last line is JSON."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.reservations import bench


class Command(BaseCommand):
    help = "予約の処理性能と過剰予約のないことを PostgreSQL で測ります（最終行は JSON）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=10.0, help="phase length")
        parser.add_argument("--processes", type=int, default=2)
        parser.add_argument("--threads", type=int, default=128, help="client threads/process")
        parser.add_argument("--pool", type=int, default=8, help="DB connections/process")
        parser.add_argument(
            "--http-clients",
            type=int,
            default=32,
            help="closed-loop HTTP clients of the target figures (the ceiling's 32)",
        )
        parser.add_argument(
            "--http-many-clients",
            type=int,
            default=256,
            help="a second HTTP run with this many clients (reported; 0 skips it)",
        )
        parser.add_argument(
            "--http-workers", type=int, default=2, help="public server processes (own ports)"
        )
        parser.add_argument("--http-threads", type=int, default=8)
        parser.add_argument("--admission-rate", type=float, default=50.0)
        parser.add_argument("--ceiling-clients", type=int, default=32)
        parser.add_argument(
            "--not-durable",
            action="store_true",
            help="accept a non-durable cluster (default: refuse unless fsync etc. are on)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["processes"] * options["threads"] < 1:
            raise CommandError("--processes x --threads must be at least 1")
        try:
            bench.run(
                seconds=options["seconds"],
                processes=options["processes"],
                threads=options["threads"],
                pool=options["pool"],
                http_clients=options["http_clients"],
                http_many_clients=options["http_many_clients"],
                http_workers=options["http_workers"],
                http_threads=options["http_threads"],
                admission_rate=options["admission_rate"],
                ceiling_clients=options["ceiling_clients"],
                durable=not options["not_durable"],
                emit=lambda line: self.stdout.write(line),
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
