"""The bundled sample site: two small 医保 Q&A sites (a health portal and a city 医保局) in two editions.

``seeds`` turns the five real page dumps into structured data, ``generate`` writes the static pages,
``server`` serves them on 127.0.0.1 for the demo, the tests and the benchmarks.
"""

from pathlib import Path

# The sample sites' profiles (hosts 127.0.0.1 and 127.0.0.2): for the demo, the tests and the benchmarks
# only, through KB_PROFILE_DIRS (``sites.profiles``), never part of a deployment's profiles.
PROFILES_DIR = Path(__file__).parent / "profiles"


def use_profiles() -> None:
    """Make the sample sites' profiles known to this process and the ``kb`` commands it starts."""
    import os

    dirs = [d for d in os.environ.get("KB_PROFILE_DIRS", "").split(os.pathsep) if d]
    if str(PROFILES_DIR) not in dirs:
        os.environ["KB_PROFILE_DIRS"] = os.pathsep.join([*dirs, str(PROFILES_DIR)])
