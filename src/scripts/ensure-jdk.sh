#!/usr/bin/env bash
# Sourced by ./mps and .ci/run: makes sure a JDK 17 or newer is on PATH (and JAVA_HOME is set), installing
# Debian's openjdk-17-jdk-headless when none is found and we are root. Nothing is downloaded by hand.
_mps_java_ok() {
  local v
  v=$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  [ -n "$v" ] && [ "${v%%.*}" -ge 17 ] 2>/dev/null
}
_mps_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && _mps_java_ok "$JAVA_HOME/bin/java"; then return 0; fi
  local j
  for j in "$(command -v javac 2>/dev/null)" /usr/lib/jvm/java-17-openjdk-amd64/bin/javac /usr/lib/jvm/*/bin/javac; do
    [ -n "$j" ] && [ -x "$j" ] || continue
    j=$(readlink -f "$j")
    if _mps_java_ok "$(dirname "$j")/java"; then
      export JAVA_HOME
      JAVA_HOME=$(dirname "$(dirname "$j")")
      return 0
    fi
  done
  return 1
}
if ! _mps_find_jdk; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "momentum-ps: no JDK 17+ found; installing openjdk-17-jdk-headless from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
    _mps_find_jdk || { echo "momentum-ps: JDK install failed" >&2; exit 1; }
  else
    echo "momentum-ps: needs a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless)" >&2
    exit 1
  fi
fi
export PATH="$JAVA_HOME/bin:$PATH"
