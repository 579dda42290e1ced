"""Faults under a steady alarm load, against the real processes: the broker's process group killed with
SIGKILL, dispatch and notifier killed with SIGKILL, PostgreSQL restarted. After each, every alarm the gateway
accepted is placed in exactly one incident within a bounded time, the app never got a 5xx (but the honest 503
"not stored, retry" while the database restarts, which it retries), and the recovery time is printed.

The broker's crash is the case of issue 21: the embedded broker loses the last writes it had acknowledged,
as a single Kafka node can; the gateway's outbox row of such an alarm is gone, and its re-send (the same
event, published again until an incident takes the alarm) is what brings it to an operator. A plain SIGKILL
loses such writes only now and then; `test_acknowledged_events_lost.py` makes the loss certain (alarms and
urgent reports) and shows the re-send place every one, and `test_placement_lost.py` loses dispatch's answer.
(Restoring the broker's state file from before the crash, tried here, lost nothing on this broker build and
left the session's broker unusable for the tests after it.)
"""


async def test_the_broker_killed_loses_no_accepted_alarm(embedded, under_fault):
    await under_fault("broker kill -9", inject=embedded.kafka.kill, heal=embedded.kafka.start)


async def test_dispatch_killed_loses_no_accepted_alarm(embedded, under_fault, services):
    dispatch = services.start("dispatch")
    await under_fault("dispatch kill -9", inject=dispatch.kill, heal=dispatch.start)


async def test_notifier_killed_loses_no_accepted_alarm(embedded, under_fault, services):
    notifier = services.start("notifier")
    await under_fault("notifier kill -9", inject=notifier.kill, heal=notifier.start)


async def test_a_database_restart_loses_no_accepted_alarm(embedded, under_fault):
    await under_fault("PostgreSQL restart", inject=embedded.postgres.restart, heal=lambda: None, fault_s=0.5,
                      allow_503=True)
