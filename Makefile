# The two commands (see README.md). Each installs what is missing first.
.PHONY: run test qa-host cluster

# Build and serve Parlor on http://127.0.0.1:3000 with SQLite under ./data/.
run:
	scripts/run.sh

# Every check and test: fmt, clippy (both halves), unit, integration, Playwright.
test:
	scripts/test.sh

# The host integration demo: Parlor plus the example Q&A site on http://127.0.0.2:8000
# (examples/qa_host/README.md). Ctrl-C stops both.
qa-host:
	scripts/qa_host.sh

# Two nodes on PostgreSQL and Redis behind nginx on http://127.0.0.1:3000 (docs/scaling.md).
cluster:
	scripts/cluster.sh
