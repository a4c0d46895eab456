"""shmem's PEP 517 build backend: setuptools', after a check that the toolchain the extension needs is there.

A source build (pip install of the sdist, or of this checkout) without Go or without a C compiler then ends in one
line saying which is missing, before setuptools has printed a build log and gopy a traceback."""

from gopy_build import check_toolchain
from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the other hooks, sdist and metadata, need no toolchain)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    check_toolchain()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    check_toolchain()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
