"""python -m shmem.bench, the benchmark that ships in the wheel: a short run on 2 PEs gives every table with a figure
in every shmem cell; the markdown regeneration keeps the rest of a page; the quiet-machine check reports what it saw.
Nothing here asserts on speed: the machine is shared, and the figures are only checked to be figures."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from shmem.bench import _quiet, _report

RUN_TIMEOUT = 600  # the whole quick run: a handful of 2-PE jobs on a loaded machine


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first markdown table after a heading line."""
    table: list[list[str]] = []
    for ln in text.split(heading + "\n", 1)[1].splitlines():
        if ln.startswith("|"):
            table.append(_cells(ln))
        elif table:
            break
    assert table, f"no table after {heading!r}"
    return table


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One quick run of the tool (2 PEs), its stdout, markdown page and JSON."""
    folder = tmp_path_factory.mktemp("bench")
    page = folder / "page.md"
    page.write_text(f"# A page\n\nText kept above, quoting `{_report.BEGIN}` and `{_report.END}` in prose.\n\n"
                    f"{_report.BEGIN}\nold tables\n{_report.END}\n\nText kept below.\n")
    out = subprocess.run([sys.executable, "-m", "shmem.bench", "--quick", "--markdown", str(page),
                          "--json", str(folder / "figures.json"), "--plot", str(folder / "plot.png")],
                         capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=folder)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr}"
    return {"stdout": out.stdout, "stderr": out.stderr, "page": page.read_text(), "folder": folder,
            "json": json.loads((folder / "figures.json").read_text())}


def test_quick_run_prints_every_table(quick_run: dict) -> None:
    text = quick_run["stdout"]
    summary = _table(text, "#### Summary")
    assert summary[0][:2] == ["measure", "shmem"]
    rows = {r[0]: r for r in summary[2:]}
    for name in ("put 8 B, complete on return", "get 8 B", "put 4 KiB", "put 64 KiB", "signal ping-pong, one way",
                 "barrier_all, 2 PEs", "all-reduce 64 KiB float32, 2 PEs", "init + finalize, 2 PEs",
                 "put 8 B + quiet"):
        assert name in rows, f"no summary row {name!r}: {sorted(rows)}"
        assert re.fullmatch(r"[\d.]+ (ns|us|ms|s|GB/s)( \*)?", rows[name][1]), rows[name]
    # A C memcpy baseline beside the put bandwidth (gcc is on every machine the tests run on).
    assert rows["put 64 KiB"][2].startswith("memcpy ") and "GB/s" in rows["put 64 KiB"][2]
    for op in ("Put", "Get"):
        table = _table(text, f"#### {op} by size")
        assert [r[0] for r in table[2:]] == ["8 B", "4 KiB", "64 KiB"]
        for r in table[2:]:
            us, gbs = float(r[1].rstrip(" *")), float(r[2].rstrip(" *"))
            assert us > 0 and gbs > 0
    assert "#### The machine before each block" in text
    assert re.search(r"rma shmem: (quiet|BUSY) \(load [\d.]+, CPU \d+% busy", text)


def test_quick_run_json_has_every_figure(quick_run: dict) -> None:
    runs = quick_run["json"]["runs"]
    assert set(runs) == {"rma", "pingpong", "barrier:2", "allreduce:2:65536", "init:2"}
    figures = runs["rma"]["shmem"]["figures"]
    for n in (8, 4096, 65536):
        for name in (f"put:{n}", f"get:{n}", f"memcpy:{n}"):
            assert math.isfinite(figures[name]) and figures[name] > 0, name
    for key, name in (("pingpong", "pingpong"), ("barrier:2", "barrier"), ("allreduce:2:65536", "allreduce"),
                      ("init:2", "init")):
        run = runs[key]["shmem"]
        assert run["error"] is None
        assert run["figures"][name] > 0
        assert set(run["machine"]) == {"load1", "busy", "waited", "quiet"}


def test_markdown_replaces_only_its_part_of_the_page(quick_run: dict) -> None:
    page = quick_run["page"]
    assert page.startswith(f"# A page\n\nText kept above, quoting `{_report.BEGIN}` and `{_report.END}` in prose.\n\n"
                           + _report.BEGIN + "\n")
    assert page.endswith(_report.END + "\n\nText kept below.\n")
    assert "old tables" not in page and "#### Summary" in page


def test_plot_is_drawn_or_says_why(quick_run: dict) -> None:
    png = quick_run["folder"] / "plot.png"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in quick_run["stderr"]
        assert not png.exists()
    else:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_markdown_without_markers_is_the_whole_file(tmp_path: Path) -> None:
    page = tmp_path / "new.md"
    page.write_text("something else\n")
    _report.write_markdown(page, "## tables\n")
    assert page.read_text() == "## tables\n"


def test_quiet_check_reports_what_it_saw() -> None:
    busy = _quiet.cpu_busy(0.2)
    assert 0.0 <= busy <= 1.0
    # Limits nobody can meet, no waiting: measured anyway, marked busy, with the figures seen.
    seen = _quiet.wait_quiet(max_load=-1, max_busy=-1, max_wait=0, interval=0.1)
    assert not seen.quiet and seen.load1 >= 0 and "BUSY" in seen.describe()
    # Limits everybody meets: quiet at once.
    seen = _quiet.wait_quiet(max_load=1e9, max_busy=1.0, max_wait=0, interval=0.1)
    assert seen.quiet and seen.waited < 5


def test_bad_arguments_are_refused() -> None:
    out = subprocess.run([sys.executable, "-m", "shmem.bench", "--blocks", "rma,nonsense"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "unknown blocks: nonsense" in out.stderr
