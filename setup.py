"""Packaging beyond pyproject.toml: the top-level ``suites/`` folder ships inside the package.

``suites/*.toml`` stays the one source of the shipped suites; setuptools installs it as the
``talosbench/suites`` data folder of a wheel (and puts it in the sdist), where
``talosbench.suite.shipped`` finds it. A mapped package cannot be declared beside
``[tool.setuptools.packages.find]`` in pyproject.toml, hence this file.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["talosbench", "talosbench.*"]), "talosbench.suites"],
    package_dir={"talosbench.suites": "suites"},
    # The paper's published tables (talosbench/paper) are read with importlib.resources.
    package_data={"talosbench.suites": ["*.toml"], "talosbench.paper": ["*.csv", "*.toml"]},
)
