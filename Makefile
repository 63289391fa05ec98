# The two commands (see README.md). Each installs what is missing first.
.PHONY: run test

# Build and serve Parlor on http://127.0.0.1:3000 with SQLite under ./data/.
run:
	scripts/run.sh

# Every check and test: fmt, clippy (both halves), unit, integration, Playwright.
test:
	scripts/test.sh
