"""Only the part of the build that pyproject.toml cannot say: a wheel (``pip install .``)
carries the project-level ``templates/``, ``static/`` and ``locale/`` (with the committed,
compiled ``.mo``) inside the package as ``trekkportal/_resources/``, where settings.py finds
them. Editable installs (``dev.py``) read them from the checkout instead."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = ("templates", "static", "locale")


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name in RESOURCES:
            shutil.copytree(
                root / name,
                Path(self.build_lib) / "trekkportal" / "_resources" / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithResources})
