#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest stall monitor for the kiscsi VM bench.

Sleeps 250 ms at a time at real-time priority and writes one kernel log line
when a sleep took more than a second longer than asked: the guest did not
run (QEMU starved by the host: a compile next to the bench) or a CPU did not
schedule. Protocol timers (LIO's 3 s Data-Out timeout, NOP pings) fire on
the guest's clock, which goes on during such a stall; a case that fails on
a timeout next to this line failed because of the machine, not the code.
guest-init.sh starts it and appends the line to such a case's reason.
"""
import os
import time

PERIOD = 0.25
SLACK = 1.0


def main():
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except OSError:
        pass
    with open("/dev/kmsg", "w") as kmsg:
        while True:
            t0 = time.monotonic()
            time.sleep(PERIOD)
            late = time.monotonic() - t0 - PERIOD
            if late > SLACK:
                kmsg.write("kiscsi-bench: guest stalled %d ms\n" % (late * 1000))
                kmsg.flush()


if __name__ == "__main__":
    main()
