# Sourced by `make test` (and by hand: `. scripts/test-services.sh` before a plain `pytest`). Starts a local
# PostgreSQL (Debian packages) for the store's backend tests and exports HAIZHI_TEST_POSTGRES_URL. Where
# that is impossible (not root, no apt), those tests are skipped with a reason naming this script.
# Packages install without "recommends" (Chromium's would pull in avahi, cups and ~100 more).
if [ -z "${HAIZHI_TEST_POSTGRES_URL:-}" ]; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing PostgreSQL for the backend tests…"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            postgresql) \
            >/tmp/haizhi-postgres-install.log 2>&1 || echo "PostgreSQL install failed (see /tmp/haizhi-postgres-install.log)"
    fi
    if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        cluster=$(pg_lsclusters --no-header | head -n 1)
        version=$(echo "$cluster" | awk '{print $1}')
        name=$(echo "$cluster" | awk '{print $2}')
        port=$(echo "$cluster" | awk '{print $3}')
        if [ -n "$version" ]; then
            pg_ctlcluster "$version" "$name" start >/dev/null 2>&1 || true
            su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='haizhi'\"" | grep -q 1 \
                || su postgres -c "psql -p $port -qc \"CREATE ROLE haizhi LOGIN PASSWORD 'haizhi' CREATEDB\""
            su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='haizhi_test'\"" | grep -q 1 \
                || su postgres -c "psql -p $port -qc \"CREATE DATABASE haizhi_test OWNER haizhi\""
            export HAIZHI_TEST_POSTGRES_URL="postgresql+psycopg://haizhi:haizhi@127.0.0.1:${port}/haizhi_test"
            echo "PostgreSQL tests use $HAIZHI_TEST_POSTGRES_URL"
        fi
    fi
fi
# Browser test of the web page (tests/test_page.py): Debian chromium and a CJK font for the Chinese UI.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
        echo "installing chromium and a CJK font for the page test…"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium fonts-wqy-microhei) \
            >/tmp/haizhi-chromium-install.log 2>&1 || echo "chromium install failed (page tests will skip)"
    fi
fi
