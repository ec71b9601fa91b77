#!/usr/bin/env bash
# Runs the Python workers' tests (python/tests, pytest) with Debian's /usr/bin/python3 against the built
# server jar (cli/target/mps.jar, or $MPS_JAR). Called by the python module of './mvnw verify'; extra
# arguments go to pytest (e.g. -k transports).
set -uo pipefail
cd "$(dirname "$0")/../.."
export MPS_JAR="${MPS_JAR:-$PWD/cli/target/mps.jar}"
if [ ! -f "$MPS_JAR" ]; then
  echo "python tests: no server jar at $MPS_JAR (build the cli module first)" >&2
  exit 1
fi
if ! /usr/bin/python3 -c 'import torch, numpy, grpc, google.protobuf, grpc_tools, pytest, yaml' 2>/dev/null; then
  echo "python tests: /usr/bin/python3 lacks the Debian packages; run src/scripts/ensure-python.sh" >&2
  exit 1
fi
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests "$@"
code=$?
if [ "$code" = 5 ]; then
  echo "python tests: pytest collected no tests from python/tests" >&2
  exit 1
fi
exit "$code"
