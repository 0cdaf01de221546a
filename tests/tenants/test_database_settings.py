"""Settings the migrations give the app's database, as every login's new session sees them."""

import psycopg2
import pytest

from tests.databases import database_env

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("login", ["DATABASE_URL", "DATABASE_WORKER_URL", "DATABASE_OWNER_URL"])
def test_no_session_compiles_queries_just_in_time(login):
    # A misestimated page query crossed jit_above_cost and spent longer compiling than running
    # (tenants/migrations/0018).
    conn = psycopg2.connect(database_env()[login])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
    finally:
        conn.close()
