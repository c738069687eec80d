# Thin wrappers over npm scripts. `make demo` and `make test` work on a fresh clone.
.PHONY: install build generate lint typecheck demo dev test test-unit bench bench-w2 clean proto-baseline

NPM_STAMP := node_modules/.sigma-installed

install: $(NPM_STAMP)

# npm ci when the lockfile changed (or nothing is installed yet).
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

generate: install
	npm run generate

lint: install
	npm run check:generated

typecheck: install
	npm run typecheck

# No compile step: every package runs its TypeScript source through tsx. `build` checks
# contracts (buf lint, generated code current) and types.
build: lint typecheck

demo: install
	bash scripts/demo.sh

dev: install
	npm run dev

test: install
	bash scripts/test.sh

test-unit: install
	bash scripts/test.sh --unit

bench: install
	bash scripts/bench.sh

# W2 (1,193 symbols, 1,000 portfolios x 20 positions, 254-day backfill) then W3 (one more trading day).
# Minutes, not seconds: not part of `make bench`. Smaller: SIGMA_BENCH_SYMBOLS=200 SIGMA_BENCH_PORTFOLIOS=100 make bench-w2
bench-w2: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" node --import tsx scripts/bench-w2.ts --processes

# Refresh the contract baseline that `buf breaking` compares against (after a compatible change).
proto-baseline: install
	npx buf build proto -o proto-baseline.binpb

clean:
	rm -rf node_modules .sigma
