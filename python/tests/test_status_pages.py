"""Status replies are pages of workers: the client asks from first_worker on until it has them all."""
from momentumps import client as clients
from momentumps.v1 import parameter_server_pb2 as pb


class PagingStub:
    """A server of `total` workers that lists `per_page` of them a reply, as the Java server pages them."""

    def __init__(self, total, per_page):
        self.total, self.per_page, self.requests = total, per_page, []

    def Status(self, request, timeout=None, metadata=None):
        self.requests.append(request.first_worker)
        first = request.first_worker
        reply = pb.StatusReply(version=7, workers_total=self.total, first_worker=first)
        for i in range(first, min(self.total, first + self.per_page)):
            reply.workers.add(worker_id=i, rank=i, name="w%d" % i)
        return reply


def client_with(stub):
    c = clients.GrpcClient.__new__(clients.GrpcClient)
    c.stub, c.deadline, c.metadata = stub, 5.0, None
    return c


def test_every_page_is_fetched_and_the_workers_are_in_order():
    stub = PagingStub(10_000, 2_300)
    status = client_with(stub).status()
    assert [w.worker_id for w in status.workers] == list(range(10_000))
    assert stub.requests == [0, 2300, 4600, 6900, 9200]
    assert status.version == 7


def test_a_server_that_lists_all_at_once_is_asked_once():
    stub = PagingStub(5, 100)
    assert len(client_with(stub).status().workers) == 5
    assert stub.requests == [0]
