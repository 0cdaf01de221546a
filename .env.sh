export DATABASE_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
export DATABASE_URL=postgres://accord:accord@127.0.0.1:5432/accord_terms
export DATABASE_WORKER_URL=postgres://accord_worker:accord@127.0.0.1:5432/accord_terms
export DATABASE_OWNER_URL=postgres://accord_owner:accord@127.0.0.1:5432/accord_terms
export REDIS_URL=redis://127.0.0.1:6379/1 CI=true
