"""The committed stubs are what proto/ generates, and they run on the protobuf runtime installed here."""
import filecmp
import os

from momentumps import stubs
from momentumps.v1 import parameter_server_pb2 as pb


def test_committed_stubs_match_the_proto_file(tmp_path):
    fresh = stubs.generate(str(tmp_path))
    committed_dir = os.path.join(os.path.dirname(os.path.abspath(stubs.__file__)), "v1")
    for path in fresh:
        committed = os.path.join(committed_dir, os.path.basename(path))
        assert filecmp.cmp(path, committed, shallow=False), (
            "%s is stale: run '/usr/bin/python3 -m momentumps.stubs' in python/ and commit the result" % committed)


def test_generated_messages_round_trip_on_this_runtime():
    request = pb.PushPullRequest(header=pb.GradientHeader(worker_id=3, base_version=7, sequence=2, loss=0.5),
                                 gradient=b"\x00\x00\x80\x3f", gradient_encoding=pb.FLOAT16)
    back = pb.PushPullRequest.FromString(request.SerializeToString())
    assert back.header.base_version == 7
    assert back.WhichOneof("payload") == "gradient"
    assert back.gradient_encoding == pb.FLOAT16
