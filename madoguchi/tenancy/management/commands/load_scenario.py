"""``madoguchi load_scenario SLUG``: load a reference center from its procurement document."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.tenancy.scenarios import SCENARIOS, scenario_load


class Command(BaseCommand):
    help = (
        "仕様書どおりのセンター（iwaki / niigata / oita / sapporo）を読み込みます"
        "（再実行しても変わりません）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="+", choices=sorted(SCENARIOS), metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        for slug in options["slugs"]:
            center = scenario_load(slug=slug)
            numbers = ", ".join(n.display for n in center.numbers.all())
            self.stdout.write(f"{center.slug}: {center.name}（{numbers}）")
