"""Camera ownership across workers: exactly one owner each, and a dead worker's cameras move, only them."""

from cctv_ingest.ownership.rendezvous import owned_by, owner

CAMERAS = [f"smg-{i:05d}" for i in range(11_000)]


def test_each_camera_has_exactly_one_owner_and_shares_are_even():
    workers = ["w1", "w2", "w3", "w4"]
    shares = [owned_by(worker, CAMERAS, workers) for worker in workers]
    assert sum(len(share) for share in shares) == len(CAMERAS)
    assert set().union(*shares) == set(CAMERAS)
    assert all(abs(len(share) - len(CAMERAS) / 4) < len(CAMERAS) * 0.05 for share in shares)


def test_a_dead_workers_cameras_move_to_the_others_and_no_other_camera_moves():
    before = {camera: owner(camera, ["w1", "w2", "w3"]) for camera in CAMERAS}
    after = {camera: owner(camera, ["w1", "w3"]) for camera in CAMERAS}
    moved = {camera for camera in CAMERAS if before[camera] != after[camera]}
    assert moved == {camera for camera in CAMERAS if before[camera] == "w2"}
    assert {after[camera] for camera in moved} == {"w1", "w3"}


def test_no_live_worker_means_no_owner():
    assert owner("smg-00001", []) is None
