"""What the CalDAV benchmark scripts share (bench/holds.py, bench/warm.py):

    from benchlib import bench_caldav, davservers

bench_caldav is bench/caldav.py (its calendars, object splitting and request
bodies), loaded from its file under another name: on the path as "caldav" it
would shadow python3-caldav, which bench/caldav.py itself imports. davservers
is tests/integration/davservers.py, which starts the servers. A script in
bench/ finds this module because Python puts the script's folder first on the
path."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import davservers  # noqa: E402,F401


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_caldav = _load("bench_caldav", "caldav.py")
