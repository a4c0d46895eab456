"""Builds the shmem wheel: gopy turns gopkg/api into a CPython extension, packed as shmem._gopy beside the
hand-written facade in python/shmem. Needs Go on PATH; everything else it installs itself."""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "scripts"))
from gopy_build import generate_extension  # noqa: E402


class BuildWithGopy(build_py):
    def run(self) -> None:
        super().run()
        generate_extension(Path(self.build_lib) / "shmem" / "_gopy")
        if self.editable_mode:
            generate_extension(ROOT / "python" / "shmem" / "_gopy")


class BinaryDistribution(Distribution):
    """The wheel carries a compiled extension, so it must be platform-tagged."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": BuildWithGopy}, distclass=BinaryDistribution)
