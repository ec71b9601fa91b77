"""Python stubs of the momentum-ps wire contract (proto/src/main/proto/momentumps/v1/parameter_server.proto).

parameter_server_pb2.py and parameter_server_pb2_grpc.py are generated: ``/usr/bin/python3 -m
momentumps.stubs`` writes them again; a test fails when they differ from what the proto file generates.
"""
