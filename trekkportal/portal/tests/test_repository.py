"""The repository explains itself, and its documentation cannot rot silently.

- No file refers to documents outside the repository (the team's former shared notes):
  the explanations live in ``docs/``.
- Every test that ``docs/security.md`` (or any other doc) names as ``path::test_name``
  exists, and every security case has its section.
- Every relative link in the docs points at a file that exists.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "CONTRIBUTING.md"]

# The former shared notes: ../shared/…, shared/design.md, design.md and security-tests.md
# cited bare, the style notes, the seed folder and the old portal's user guide.
OUTSIDE = re.compile(
    r"\.\./shared\b"
    r"|\bshared/(?:design|security-tests|style)\.md"
    r"|\bshared/seed\b"
    r"|(?<![\w/.-])(?:design|security-tests|style)\.md\b"
    r"|trekklisteportal-user-guide"
)
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", "build"}
TEST_REFERENCE = re.compile(r"`(?P<path>[\w./-]+\.py)::(?P<name>\w+)`")
CASES = {"A": 9, "B": 7, "C": 8, "D": 6, "E": 16, "F": 5}
LINK = re.compile(r"\[[^\]]+\]\((?P<target>[^)\s]+)\)")


def repository_files() -> list[Path]:
    """Tracked files and new ones not ignored; every file under ROOT without git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return [
            path
            for path in ROOT.rglob("*")
            if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
        ]
    return [ROOT / name for name in listed.decode().split("\0") if name]


def text_of(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:  # listed by git but deleted in the work tree
        return None
    if b"\0" in data[:8192]:
        return None  # binary: fixtures, images
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # test fixtures in Windows-1252 and the like


def test_no_file_refers_to_documents_outside_the_repository():
    this_file = Path(__file__).resolve()
    found = []
    for path in repository_files():
        if path.resolve() == this_file:
            continue
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "Point these at docs/ instead:\n" + "\n".join(found)


def test_the_pattern_catches_every_way_the_notes_were_cited():
    for cited in [
        "`../shared/design.md` is the design",
        "(security-tests.md C6)",
        "design.md § Periods",
        "see shared/style.md",
        "../shared/seed/trekklisteportal-user-guide.txt",
    ]:
        assert OUTSIDE.search(cited), cited
    for fine in ["docs/security.md C6", "docs/domain.md", "[domain.md](domain.md)", "A1-A9"]:
        assert not OUTSIDE.search(fine), fine


def defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_every_test_the_docs_name_exists():
    references = [
        (doc, match["path"], match["name"])
        for doc in DOCS
        if doc.exists()
        for match in TEST_REFERENCE.finditer(doc.read_text(encoding="utf-8"))
    ]
    security = [ref for ref in references if ref[0].name == "security.md"]
    assert len(security) > 100, "docs/security.md should name the tests of every case"
    missing = []
    functions: dict[str, set[str]] = {}
    for doc, path, name in references:
        file = ROOT / path
        if not file.is_file():
            missing.append(f"{doc.name}: {path} does not exist")
            continue
        if path not in functions:
            functions[path] = defined_functions(file)
        if not name.startswith("test_") or name not in functions[path]:
            missing.append(f"{doc.name}: {path}::{name} is not a test in that file")
    assert not missing, "\n".join(missing)


def test_every_security_case_has_its_section():
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^\*\*([A-F]\d+) —", text, re.MULTILINE))
    expected = {f"{letter}{n}" for letter, count in CASES.items() for n in range(1, count + 1)}
    assert sections == expected


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_links_point_at_files_that_exist(doc):
    assert doc.exists(), f"{doc.relative_to(ROOT)} is missing"
    broken = []
    for match in LINK.finditer(doc.read_text(encoding="utf-8")):
        target = match["target"].split("#")[0]
        if not target or "://" in target or target.startswith("mailto:"):
            continue
        if not (doc.parent / target).exists():
            broken.append(match["target"])
    assert not broken, f"{doc.relative_to(ROOT)}: broken links {broken}"
