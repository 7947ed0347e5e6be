"""Per-user flood control with a controllable clock."""
from handlers.throttle import BURST, RATE, Throttle


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refused_then_refilled_and_warned_once_per_burst():
    clock = Clock()
    throttle = Throttle(clock)
    assert all(throttle.allow(1) for _ in range(BURST))
    assert not throttle.allow(1)
    assert throttle.should_warn(1) and not throttle.should_warn(1)
    assert throttle.allow(2)  # other users are not affected
    clock.now += 1 / RATE
    assert throttle.allow(1) and not throttle.allow(1)
    assert throttle.should_warn(1)  # served in between: a new burst may be warned about again
    clock.now += 3600
    assert sum(throttle.allow(1) for _ in range(BURST + 5)) == BURST  # refills to the burst, no more


def test_idle_users_are_forgotten_so_memory_stays_bounded():
    from handlers.throttle import BURST, PRUNE_EVERY, RATE, Throttle

    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for user in range(PRUNE_EVERY - 1):
        throttle.allow(user)
    now[0] += BURST / RATE + 1
    throttle.allow(-1)  # the PRUNE_EVERY-th call sweeps
    assert list(throttle.buckets) == [-1]
