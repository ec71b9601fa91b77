"""Generates the Python stubs of the wire contract from proto/ with grpc_tools' protoc.

``/usr/bin/python3 -m momentumps.stubs`` (from python/) rewrites momentumps/v1/*_pb2*.py in place;
``generate(out_dir)`` writes them elsewhere (the staleness test compares the two).
"""
import os
import sys

PROTO_FILE = "momentumps/v1/parameter_server.proto"
GENERATED = ("parameter_server_pb2.py", "parameter_server_pb2_grpc.py")


def proto_root():
    """proto/src/main/proto of the project this package sits in."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "proto", "src", "main", "proto"))


def generate(out_dir):
    """Writes the generated modules under out_dir/momentumps/v1/; returns their paths."""
    from grpc_tools import protoc
    root = proto_root()
    if not os.path.isfile(os.path.join(root, PROTO_FILE)):
        raise FileNotFoundError("no " + PROTO_FILE + " under " + root)
    os.makedirs(out_dir, exist_ok=True)
    code = protoc.main(["grpc_tools.protoc", "-I" + root, "--python_out=" + out_dir,
                        "--grpc_python_out=" + out_dir, os.path.join(root, PROTO_FILE)])
    if code != 0:
        raise RuntimeError("protoc failed with exit code %d" % code)
    return [os.path.join(out_dir, "momentumps", "v1", name) for name in GENERATED]


def main():
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in generate(package_parent):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
