#!/usr/bin/env bash
# Makes sure the system tools the local platform needs are present: Java 17+ and Maven (to
# fetch and run Kafka), Go (to build FerretDB), Python 3.11+, chromium and chromium-driver
# (browser tests), a CJK font and prometheus (promtool, the scrape test). Installs what is missing with
# apt-get where it can; otherwise says exactly what to install.
set -euo pipefail
missing=()
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if ! command -v java >/dev/null || [[ "$(java_major)" -lt 17 ]]; then missing+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null || missing+=(maven)
# Browser tests (tests/browser/) drive Debian's chromium through its chromedriver.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# A CJK font, so pages in Chinese render (and their screenshots can be read) in headless chromium.
[[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || missing+=(fonts-wqy-microhei)
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "[deps] installing ${missing[*]} with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "[deps] missing: ${missing[*]}; install them and retry" >&2
    exit 1
  fi
fi
# promtool checks and unit-tests the alert rules; tests start prometheus themselves on a free
# loopback port. Debian's package would start its own service (listening on :9090) from
# postinst: a policy-rc.d refusing every start keeps anything from running after the install,
# and no recommends (node-exporter would be one more service).
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "[deps] installing prometheus (for promtool and the scrape test) with apt-get" >&2
    own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    status=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || status=$?
    ((own_policy)) && rm -f /usr/sbin/policy-rc.d
    if [[ -d /run/systemd/system ]]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
    ((status == 0)) || exit "$status"
  else
    echo "[deps] missing: prometheus (promtool); install it and retry" >&2
    exit 1
  fi
fi
need_go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/ferretdb/go.mod")
if ! command -v go >/dev/null; then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "[deps] installing golang with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang >/dev/null
  fi
fi
command -v go >/dev/null || { echo "[deps] Go $need_go or newer is required to build FerretDB" >&2; exit 1; }
have_go=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]]; then
  # Go fetches the newer toolchain itself through the module proxy (GOTOOLCHAIN=auto).
  echo "[deps] Go $have_go is older than $need_go; Go will download toolchain $need_go when building" >&2
fi
exit 0
