#!/usr/bin/env bash
# Installs what the test suite needs (MariaDB, Chromium, real Sentry SDKs, wrk) when missing,
# then runs the whole suite and prints one summary line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

need_apt=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
/usr/bin/python3 -c 'import sentry_sdk' >/dev/null 2>&1 || need_apt+=(python3-sentry-sdk)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Real JS SDK for the SDK ingest tests and oidc-provider for the OIDC login tests (pinned in test-tools/package.json).
if [ ! -d test-tools/node_modules/@sentry/node ] || [ ! -d test-tools/node_modules/oidc-provider ]; then
  (cd test-tools && npm ci --no-audit --no-fund --loglevel=error)
fi

export PATH="/usr/sbin:$PATH"
export FAULTLINE_REPO_ROOT="$ROOT"
rm -rf TestResults
set +e
dotnet test Faultline.sln -c Release --nologo \
  --logger "trx;LogFileName=results.trx" --results-directory TestResults "$@"
rc=$?
set -e

summary=$(/usr/bin/python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
p = f = 0
for path in glob.glob("TestResults/**/*.trx", recursive=True):
    c = ET.parse(path).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is not None:
        p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
print(f"{p} passed, {f} failed")
PY
)
echo "$summary"
exit $rc
