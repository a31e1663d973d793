#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build

# Short fuzz pass (separate step): libFuzzer + AddressSanitizer build of Tests/Fuzz, 2000 executions
# per target on the committed seeds (about 2 minutes with a cold sanitizer build). Long runs: scripts/fuzz.sh.
FUZZ_RUNS=2000 FUZZ_TIME=60 scripts/fuzz.sh
