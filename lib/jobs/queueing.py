"""The order in which waiting jobs start: owners take turns (:func:`fair_order`), used by :mod:`lib.jobs.runner`."""
from __future__ import annotations


def fair_order(waiting: list[tuple[str, int]], last_served: dict[str, int]) -> list[int]:
    """The order in which the ``waiting`` jobs will start: owners take turns.

    ``waiting`` holds ``(owner, arrival number)`` for each waiting job; ``last_served`` the turn
    (a number that grows) at which each owner's last job started. Again and again, the owner
    served least recently (never served comes first, ties go to whoever's oldest waiting job
    arrived first) starts their oldest waiting job. Returns indices into ``waiting``::

        >>> fair_order([("a", 1), ("a", 2), ("a", 3), ("b", 4), ("c", 5)], {"a": 7})
        [3, 4, 0, 1, 2]
        >>> fair_order([("a", 1), ("b", 2), ("a", 3), ("b", 4)], {})
        [0, 1, 2, 3]

    In the first, "a" just had a job start, so "b" and "c" go before a's next one even though
    they queued later; with a FIFO queue they would wait for all three of a's jobs.
    """
    served = dict(last_served)
    turn = max(served.values(), default=0)
    queues: dict[str, list[int]] = {}
    for index in sorted(range(len(waiting)), key=lambda i: waiting[i][1]):
        queues.setdefault(waiting[index][0], []).append(index)
    order = []
    while queues:
        owner = min(queues, key=lambda o: (served.get(o, -1), waiting[queues[o][0]][1]))
        order.append(queues[owner].pop(0))
        turn += 1
        served[owner] = turn
        if not queues[owner]:
            del queues[owner]
    return order
