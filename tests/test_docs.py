"""Runs every code block of README.md and docs/**/*.md, so that no snippet in the docs can stop working unnoticed.

The conventions (written for doc authors in docs/design.md, "Code blocks in the docs"):
- ```python: a complete program. It runs as `python FILE` (one PE), or under `shmemrun -n N` when the line right
  before the fence is `<!-- shmemrun -n N -->`. A first line `# NAME.py: ...` saves it as NAME.py in the page's
  working folder, where the page's shell blocks find it (`shmemrun -n 4 python NAME.py`).
- ```sh / ```bash / ```shell: run by `bash -euo pipefail` in the page's working folder, the installed venv's bin
  first on PATH; the shell blocks of a page run in order, so a later block sees what an earlier one made.
- `<!-- doc-test: skip REASON -->` right before a fence: not run; the reason is required.
- ```text (and any other language): output, fragments, transcripts; never run. A fence without a language is an
  error: say ```text.
Pages are found afresh at every run, so a new page is tested without being listed here. A failure names the page,
the line of the fence and how the block was run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_LANGS = {"python", "sh", "bash", "shell"}
BLOCK_TIMEOUT = 300  # seconds per block: generous, the machine may be loaded
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*(.*)$")
_MARKER = re.compile(r"^\s*<!--\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    page: str  # path relative to the repository
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    npes: int | None = None  # python under shmemrun -n npes
    skip: str | None = None  # reason, when marked to skip
    filename: str | None = None  # the "# NAME.py:" a python block is saved as

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line} (```{self.lang})"


class DocError(ValueError):
    pass


def parse(page: str, text: str) -> list[Block]:
    """The fenced blocks of a Markdown page with their markers. Raises DocError for what breaks the conventions."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang, _ = m.groups()
        start = i
        body = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence) and lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        if i == len(lines):
            raise DocError(f"{page}:{start + 1}: the fence opened here is never closed")
        i += 1
        if not lang:
            raise DocError(f"{page}:{start + 1}: a fence without a language; use ```text for output and fragments, "
                           "```python for a complete program, ```sh for commands")
        block = Block(page, start + 1, lang.lower(), "\n".join(body) + "\n")
        prev = start - 1
        while prev >= 0 and not lines[prev].strip():
            prev -= 1
        marker = _MARKER.match(lines[prev]) if prev >= 0 else None
        if marker:
            _apply_marker(block, marker.group(1))
        if block.lang == "python":
            first = body[0].strip() if body else ""
            named = re.match(r"#\s*([\w.-]+\.py)\s*:", first)
            block.filename = named.group(1) if named else None
        blocks.append(block)
    return blocks


def _apply_marker(block: Block, marker: str) -> None:
    run = re.fullmatch(r"shmemrun\s+-n\s+(\d+)", marker)
    skip = re.fullmatch(r"doc-test:\s*skip\b\s*(.*)", marker, re.S)
    if run:
        if block.lang != "python":
            raise DocError(f"{block.where}: <!-- shmemrun -n N --> is for ```python blocks")
        block.npes = int(run.group(1))
    elif skip:
        if not skip.group(1).strip():
            raise DocError(f"{block.where}: <!-- doc-test: skip --> needs a reason after 'skip'")
        block.skip = skip.group(1).strip()
    elif marker.startswith(("doc-test", "shmemrun")):
        raise DocError(f"{block.where}: unknown marker <!-- {marker} -->; known: <!-- shmemrun -n N -->, "
                       "<!-- doc-test: skip REASON -->")


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _collect() -> list:
    params = []
    for path in pages():
        page = str(path.relative_to(ROOT))
        try:
            blocks = parse(page, path.read_text(encoding="utf-8"))
        except DocError as e:
            params.append(pytest.param(e, id=f"{page}-broken"))
            continue
        for block in blocks:
            if block.lang in RUN_LANGS:
                params.append(pytest.param(block, id=f"{page}:{block.line}-{block.lang}"))
    return params


def _env() -> dict:
    """This test's environment without any launcher's variables (a block run as one PE must not think it is part
    of the test run's job), with the installed venv's python, pip and shmemrun first on PATH."""
    launcher = ("SHMEM_", "OMPI_", "PMI_", "SLURM_", "MASTER_", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_SIZE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(launcher)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return env


class _Page:
    """A page's working folder: its named python blocks saved there, its shell blocks run there in order."""

    def __init__(self, folder: Path, blocks: list[Block]) -> None:
        self.folder, self.blocks, self.shell_done = folder, blocks, set()
        for block in blocks:
            if block.lang == "python" and block.filename:
                (folder / block.filename).write_text(block.code)

    def run_shell(self, block: Block) -> None:
        if block.line not in self.shell_done:
            _check(block, _run_shell(block, self.folder))
            self.shell_done.add(block.line)

    def run_shell_before(self, target: Block) -> None:
        """Runs the page's shell blocks above target that have not run yet: what target may depend on."""
        for block in self.blocks:
            if block.line < target.line and block.lang in RUN_LANGS - {"python"} and not block.skip:
                self.run_shell(block)


_pages: dict[str, _Page] = {}


@pytest.fixture
def page_of(tmp_path_factory):
    def get(block: Block) -> _Page:
        if block.page not in _pages:
            folder = tmp_path_factory.mktemp(re.sub(r"\W", "_", block.page))
            _pages[block.page] = _Page(folder, parse(block.page, (ROOT / block.page).read_text(encoding="utf-8")))
        return _pages[block.page]

    return get


def _run_shell(block: Block, folder: Path) -> tuple[str, subprocess.CompletedProcess]:
    how = "bash -euo pipefail"
    return how, subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=folder, env=_env(),
                               capture_output=True, text=True, timeout=BLOCK_TIMEOUT, stdin=subprocess.DEVNULL)


def _run_python(block: Block, folder: Path) -> tuple[str, subprocess.CompletedProcess]:
    script = folder / (block.filename or f"block_{block.line}.py")
    script.write_text(block.code)
    if block.npes:
        cmd = [sys.executable, "-m", "shmem.run", "-n", str(block.npes), "--timeout", str(BLOCK_TIMEOUT - 30),
               sys.executable, script.name]
        how = f"shmemrun -n {block.npes} python {script.name}"
    else:
        cmd = [sys.executable, script.name]
        how = f"python {script.name} (one PE)"
    return how, subprocess.run(cmd, cwd=folder, env=_env(), capture_output=True, text=True, timeout=BLOCK_TIMEOUT,
                               stdin=subprocess.DEVNULL)


def _check(block: Block, outcome: tuple[str, subprocess.CompletedProcess]) -> None:
    how, proc = outcome
    if proc.returncode != 0:
        pytest.fail(f"the code block at {block.where} failed: `{how}` exited with {proc.returncode}\n"
                    f"--- block ---\n{block.code}--- stdout ---\n{proc.stdout[-4000:]}\n"
                    f"--- stderr ---\n{proc.stderr[-4000:]}", pytrace=False)


@pytest.mark.parametrize("block", _collect())
def test_doc_block(block, page_of) -> None:
    if isinstance(block, DocError):
        pytest.fail(str(block), pytrace=False)
    if block.skip:
        pytest.skip(f"{block.where}: {block.skip}")
    page = page_of(block)
    page.run_shell_before(block)
    if block.lang == "python":
        _check(block, _run_python(block, page.folder))
    else:
        page.run_shell(block)


def test_every_page_is_found() -> None:
    """README.md and every page under docs/ are collected, and each has at least one block or none to run."""
    found = {str(p.relative_to(ROOT)) for p in pages()}
    assert "README.md" in found and "docs/quickstart.md" in found
    assert {str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")} <= found


def test_parser_conventions() -> None:
    """The markers do what docs/design.md says, and broken conventions are reported with page and line."""
    text = ("# t\n\n<!-- shmemrun -n 4 -->\n```python\n# job.py: a job\nprint(1)\n```\n\n"
            "<!-- doc-test: skip needs two hosts -->\n```sh\nssh node1 true\n```\n\n```text\nnot run\n```\n"
            "- a list item:\n\n  ```sh\n  echo indented\n  ```\n")
    blocks = parse("t.md", text)
    assert [(b.line, b.lang, b.npes, b.skip, b.filename) for b in blocks] == [
        (4, "python", 4, None, "job.py"), (10, "sh", None, "needs two hosts", None), (14, "text", None, None, None),
        (19, "sh", None, None, None)]
    assert blocks[3].code == "echo indented\n"
    with pytest.raises(DocError, match=r"t.md:1: a fence without a language"):
        parse("t.md", "```\nx\n```\n")
    with pytest.raises(DocError, match=r"t.md:2 .*needs a reason"):
        parse("t.md", "<!-- doc-test: skip -->\n```sh\nx\n```\n")
    with pytest.raises(DocError, match=r"t.md:2 .*for ```python blocks"):
        parse("t.md", "<!-- shmemrun -n 2 -->\n```sh\nx\n```\n")
    with pytest.raises(DocError, match=r"t.md:1: the fence opened here is never closed"):
        parse("t.md", "```python\nx\n")


def test_a_failing_block_names_its_page_and_line(tmp_path) -> None:
    """What a broken snippet reports: the page, the line of its fence, how it ran, and its output."""
    block = parse("docs/x.md", "\n\n```python\nraise SystemExit('broken on purpose')\n```\n")[0]
    with pytest.raises(pytest.fail.Exception) as failed:
        _check(block, _run_python(block, tmp_path))
    message = str(failed.value)
    assert "docs/x.md:3 (```python)" in message and "python block_3.py (one PE)" in message
    assert "broken on purpose" in message
