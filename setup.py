"""Packaging beyond pyproject.toml: ship the repository's journeys/ folder as ``journeytui.journeys``.

pyproject.toml cannot say "every package under src/, plus one folder mapped from
elsewhere" (package discovery only looks under src/), so the package list lives here.
journeys/ stays at the top of the repository, the single copy users see and copy;
wheels carry it as package data and editable installs map it in place, so
``importlib.resources.files("journeytui.journeys")`` finds it in both.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "journeytui.journeys"],
    package_dir={"": "src", "journeytui.journeys": "journeys"},
    package_data={"journeytui": ["**/*.tcss", "py.typed"], "journeytui.journeys": ["*.toml", "examples/*"]},
)
