"""The one build step pyproject.toml cannot declare: the files people edit go into the wheel.

`config/`, `prompts/` and `vendor/` stay at the top of the checkout, where council staff find and
edit them; a wheel carries copies as `ivr/shipped/...`, read with importlib.resources. An editable
install copies nothing, so it keeps reading the top-level files (ivr.config.shipped).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("config", "prompts", "vendor")


class BuildWithShippedFiles(build_py):
    """build_py, plus the top-level directories copied under the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in SHIPPED:
            self.copy_tree(name, str(Path(self.build_lib) / "ivr" / "shipped" / name))


setup(cmdclass={"build_py": BuildWithShippedFiles})
