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
