#!/usr/bin/env bash
# Sourced by .ci/run: makes sure Debian's chromium is installed for the dashboard's browser test
# (DashboardBrowserTest drives it headless over the DevTools protocol). Installs it with apt-get when it is
# missing and we are root. Exports MPS_REQUIRE_CHROMIUM=1: in CI the browser test fails rather than skips.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing Debian's chromium (apt-get) ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
  else
    echo "ensure-chromium: chromium is not installed and cannot be installed here (not root or no apt-get)" >&2
  fi
fi
export MPS_REQUIRE_CHROMIUM=1
