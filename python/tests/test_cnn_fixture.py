"""The committed CNN fixture (worker/src/test/resources/.../cnn-torch.json) is what PyTorch computes now."""
import json

import cnn_fixture


def test_committed_cnn_fixture_is_what_torch_computes():
    with open(cnn_fixture.FIXTURE) as f:
        committed = json.load(f)
    fresh = cnn_fixture.compute()
    assert committed["names"] == fresh["names"]
    assert committed["labels"] == fresh["labels"]
    for key in ("images", "weights", "gradient"):
        assert len(committed[key]) == len(fresh[key]), key
        worst = max(abs(a - b) for a, b in zip(committed[key], fresh[key]))
        assert worst <= 1e-6, "%s differs by %g: rerun /usr/bin/python3 tests/cnn_fixture.py in python/" % (key, worst)
    assert abs(committed["loss"] - fresh["loss"]) <= 1e-6
