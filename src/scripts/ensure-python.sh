#!/usr/bin/env bash
# Makes sure Debian's /usr/bin/python3 has what the Python workers (python/momentumps) and their tests
# need: torch, numpy, grpcio, protobuf, grpc_tools, pytest and yaml, all from Debian's archive (PyPI is not used).
# Installs the missing ones with apt-get when run as root; otherwise says which command to run. Idempotent:
# nothing is installed when the imports already work. Run it, or source it (.ci/run does).
_mps_python_ok() {
  /usr/bin/python3 -c "import torch, numpy, grpc, google.protobuf, grpc_tools, pytest, yaml" >/dev/null 2>&1
}
_mps_python_packages="python3-torch python3-numpy python3-grpcio python3-protobuf python3-grpc-tools python3-pytest python3-yaml"
if ! _mps_python_ok; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "momentum-ps: installing the Python workers' packages from Debian: $_mps_python_packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $_mps_python_packages >&2
    _mps_python_ok || { echo "momentum-ps: the Python packages did not install" >&2; return 1 2>/dev/null || exit 1; }
  else
    echo "momentum-ps: /usr/bin/python3 lacks torch, numpy, grpc, protobuf, grpc_tools or pytest;" \
      "install them with: sudo apt-get install $_mps_python_packages" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
