#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest stall monitor for the kiscsi VM bench.

On each guest CPU, a process pinned there sleeps 250 ms at a time at
real-time priority and writes one kernel log line when a sleep took more
than a second longer than asked: that CPU did not run (its QEMU thread
starved by the host: a compile next to the bench) or did not schedule. One
CPU is enough to stop a LIO connection: its receive and transmit threads
are bound to one CPU. Protocol timers (LIO's 3 s Data-Out timeout, NOP pings) fire on
the guest's clock, which goes on during such a stall; a case that fails on
a timeout next to this line failed because of the machine, not the code.
guest-init.sh starts it and appends the line to such a case's reason.
"""
import os
import time

PERIOD = 0.25
SLACK = 1.0


def watch(cpu):
    os.sched_setaffinity(0, {cpu})
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
                kmsg.write("kiscsi-bench: guest stalled %d ms (cpu %d)\n" %
                           (late * 1000, cpu))
                kmsg.flush()


def main():
    cpus = sorted(os.sched_getaffinity(0))
    for cpu in cpus[1:]:
        if os.fork() == 0:
            watch(cpu)
    watch(cpus[0])


if __name__ == "__main__":
    main()
