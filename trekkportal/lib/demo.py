"""Shared state for ``seed_demo``: what one app's demo data hands to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "trekk-demo-2026"  # noqa: S105 - printed on purpose; demo data only


@dataclass
class DemoContext:
    out: Any
    style: Any
    companies: dict[str, Any] = field(default_factory=dict)  # key -> Company
    users: dict[str, Any] = field(default_factory=dict)  # key -> User
    lines: list[str] = field(default_factory=list)  # printed at the end

    def note(self, line: str) -> None:
        self.lines.append(line)

    def print_summary(self) -> None:
        self.out.write(self.style.SUCCESS("Demo data is ready."))
        self.out.write("")
        self.out.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for key, user in self.users.items():
            companies = ", ".join(c.name for c in user.demo_companies) or "-"
            role = "union staff" if user.is_staff else "employer user"
            self.out.write(f"  {user.email:<32} {role:<14} {key:<12} companies: {companies}")
        for line in self.lines:
            self.out.write(line)
