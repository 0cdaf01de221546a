"""`make run` in development: emailed links follow `PORT`, and Ctrl-C stops the embedded PostgreSQL
that `make run` started, while one-off commands leave it running for the next command to join."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def settings_site_url(**environ) -> str:
    """SITE_URL as a fresh process with only ``environ`` changed would see it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "ACCORD_SITE_URL")}
    env.update(environ, DJANGO_SETTINGS_MODULE="config.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def test_links_point_at_the_port_make_run_serves_on():
    assert settings_site_url(PORT="8811") == "http://127.0.0.1:8811"


def test_an_explicit_site_url_wins_over_the_port():
    assert (
        settings_site_url(PORT="8811", ACCORD_SITE_URL="https://accord.example/") == "https://accord.example"
    )


def test_without_a_port_links_point_at_the_default_8000():
    assert settings_site_url() == "http://127.0.0.1:8000"


def run_embedded(base_dir: Path, then: str) -> None:
    """Start (or join) the embedded PostgreSQL under ``base_dir`` in a fresh process, then run ``then``."""
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from config import embedded
        embedded.postgres_url(Path({str(base_dir)!r}))
        {then}
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    # One more try: pgserver serialises starts through a lock shared by every embedded server on the
    # machine, and a start racing another one on a busy machine has failed once in CI. A real defect fails
    # twice, and its error is shown.
    for _ in range(2):
        result = subprocess.run(
            [PYTHON, "-c", code], cwd=ROOT, env=env, timeout=180, capture_output=True, text=True
        )
        if result.returncode == 0:
            return
    raise AssertionError(f"the embedded PostgreSQL did not start: {result.stderr[-2000:]}")


def postgres_running(base_dir: Path) -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(base_dir / ".data" / "pg")
    return info is not None and info.is_running()


def test_a_one_off_command_leaves_the_embedded_postgres_running_and_make_run_stops_the_one_it_started(
    tmp_path,
):
    one_off = tmp_path / "one_off"
    one_off.mkdir()
    run_embedded(one_off, then="pass")
    try:
        assert postgres_running(one_off), "a one-off command's server is kept for the next command"
        # make run joining a server that was already running leaves it running: it did not start it.
        run_embedded(one_off, then="embedded.stop_postgres_if_started_here()")
        assert postgres_running(one_off)
    finally:  # a handle that stops the server when it is the last one to exit
        stop = f"import pgserver; pgserver.get_server({str(one_off / '.data' / 'pg')!r}, cleanup_mode='stop')"
        subprocess.run([PYTHON, "-c", stop], check=True, timeout=60, capture_output=True)
        assert not postgres_running(one_off)

    make_run = tmp_path / "make_run"
    make_run.mkdir()
    run_embedded(make_run, then="embedded.stop_postgres_if_started_here()")
    assert not postgres_running(make_run), "make run stops the embedded PostgreSQL it started"
