#!/usr/bin/env bash
# Sourced by ./mps and .ci/run: makes sure a JDK 17 (17.0.9 or newer) or 21.0.1+ or 22+ is on PATH (and JAVA_HOME is set), installing
# Debian's openjdk-17-jdk-headless when none is found and we are root. Nothing is downloaded by hand.
# 17.0.9+, 21.0.1+ or 22+: the server's JVM options include -XX:TrimNativeHeapInterval (JvmOptions.SERVER),
# which those releases have and 18-20 and older 17 and 21 updates do not
_mps_java_ok() {
  local v major update
  v=$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  [ -n "$v" ] || return 1
  major=${v%%.*}
  update=$(echo "$v" | awk -F'[.+_-]' '{print ($3 == "" ? 0 : $3)}')
  case "$major" in
    17) [ "$update" -ge 9 ] 2>/dev/null ;;
    21) [ "$update" -ge 1 ] 2>/dev/null ;;
    *) [ "$major" -ge 22 ] 2>/dev/null ;;
  esac
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
    echo "momentum-ps: no JDK 17.0.9+, 21.0.1+ or 22+ found; installing openjdk-17-jdk-headless from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
    _mps_find_jdk || { echo "momentum-ps: JDK install failed" >&2; exit 1; }
  else
    echo "momentum-ps: needs a JDK 17.0.9+, 21.0.1+ or 22+ (e.g. apt-get install openjdk-17-jdk-headless)" >&2
    exit 1
  fi
fi
export PATH="$JAVA_HOME/bin:$PATH"
