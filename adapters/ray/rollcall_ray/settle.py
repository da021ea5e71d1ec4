"""When the cluster has settled: predicates over Ray's own state tables.

`settle` answers once nothing the scenario did is still in progress in Ray
(README.md, "settle", lists the conditions). The conditions are pure
functions of

- the GCS actor table of the scenario's jobs (records as the controller's
  `tables` op makes them: id, state, name, namespace, detached, jobId,
  ownerWorkerId, workerId, pid, numRestarts, ...) and the job table;
- what the bridge recorded since the last settle (kills, crashes, drops,
  exits: the `Scenario`'s lists);
- GCS name lookups and the local actor states of every live process, asked
  for through callables (`lookup`, `probe`), so that tests give recorded
  answers instead of a cluster.

Standard library only: no Ray here.
"""

import json
import os
import re
import threading
import time

from rollcall_ray.protocol import log

SETTLE_DEADLINE_S = float(os.environ.get("RAY_BRIDGE_SETTLE_DEADLINE", "30"))
SETTLE_POLL_S = 0.02
DEBUG = os.environ.get("RAY_BRIDGE_DEBUG", "") not in ("", "0")
# RAY_BRIDGE_RECORD=FILE: append every poll's tables and bookkeeping to FILE
# as JSON lines (how tests/fixtures were recorded).
RECORD = os.environ.get("RAY_BRIDGE_RECORD", "")
_record_lock = threading.Lock()

PENDING_STATES = ("DEPENDENCIES_UNREADY", "PENDING_CREATION", "RESTARTING")
# Local (core worker) states that mean a process has handled a notification
# that the actor is up and has not yet handled its DEAD notification. A
# process that never subscribed to the actor keeps the queue's initial
# DEPENDENCIES_UNREADY and has no named-actor cache entry for it.
LIVE_LOCAL_STATES = ("ALIVE", "RESTARTING", "PENDING_CREATION")
# What a process answers where its Ray release cannot read a core worker's
# local actor state (before 2.38): settle then waits PROPAGATION_GRACE_S after
# it first saw the death, the time Ray's pub/sub takes to tell every process
# on one machine with a wide margin.
UNKNOWN_LOCAL_STATE = "UNKNOWN"
PROPAGATION_GRACE_S = float(os.environ.get("RAY_BRIDGE_PROPAGATION_GRACE", "1.0"))


def live_drivers(sc):
    """Worker id -> label of every scenario driver that has started and not exited."""
    return {d.info["workerId"]: label for label, d in sc.drivers.items()
            if d.info is not None and not d.exited}


def live_actor_workers(actors):
    return {a["workerId"] for a in actors.values() if a["state"] == "ALIVE"}


def _owner_live(a, drivers, actor_workers):
    return a["ownerWorkerId"] in drivers or a["ownerWorkerId"] in actor_workers


def no_worker_node(sc):
    """True when the scenario places actors on worker nodes only (format version 2, once it
    has a worker node) and none is alive and not draining: a pending actor then waits for ever."""
    if not getattr(sc, "worker_mode", False):
        return False
    table = getattr(sc, "node_table", None) or {}
    for node_id, mine in getattr(sc, "nodes", {}).items():
        if not mine.get("dead") and not mine.get("draining") and table.get(node_id, {}).get("alive"):
            return False
    return True


def table_waits(sc, actors, jobs):
    """What the actor and job tables show is still in progress (conditions 1-5).

    Side effect, as Ray has it: an owned actor dropped by its owner is
    destroyed (its name must be freed), noted in sc.destroyed.
    """
    waiting = []
    drivers = live_drivers(sc)
    actor_workers = live_actor_workers(actors)

    # A restarted GCS (format version 2, feature gcs) has reloaded every actor it had when it stopped.
    for actor_id in sorted(getattr(sc, "reloading", ())):
        if actor_id in actors:
            sc.reloading.discard(actor_id)
        else:
            waiting.append(f"the restarted GCS has not reloaded actor {actor_id} yet")
    # Creations registered: before 2.38 or so, `.remote()` of an unnamed actor returns before the
    # GCS has it (registration is asynchronous), so a table without it says nothing yet.
    for actor_id in sorted(getattr(sc, "created", ())):
        if actor_id not in actors:
            waiting.append(f"created actor {actor_id} is not in the GCS actor table yet")
    # Killed nodes dead in the GCS, and their death processed: no actor ALIVE there.
    node_table = getattr(sc, "node_table", None) or {}
    for node_id in getattr(sc, "node_kills", ()):
        if node_table.get(node_id, {}).get("alive", True):
            waiting.append(f"killed node {node_id} is not dead in the GCS yet")
    dead_nodes = {n for n, info in node_table.items() if not info["alive"]}
    for a in actors.values():
        if a["state"] == "ALIVE" and a.get("nodeId") in dead_nodes:
            waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) is ALIVE on the dead node {a['nodeId']}")
    # Creations and restarts done, unless no node can take the actor (it waits for one for ever).
    nowhere = no_worker_node(sc)
    for a in actors.values():
        if a["state"] in PENDING_STATES and not nowhere:
            waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) is {a['state']}")
    # A constructor that exits (format version 2's initFails "exit"): after a restart the GCS may
    # show the actor ALIVE for a moment before its process's exit is seen. Every bridged actor
    # publishes its self handle inside __init__ (actors.py), before it is ALIVE; ALIVE without
    # it means the constructor never returned.
    handle_dir = getattr(sc, "handle_dir", None)
    if handle_dir:
        for a in actors.values():
            if a["state"] == "ALIVE" and not os.path.exists(os.path.join(handle_dir, a["id"])):
                waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) is ALIVE but its constructor has not returned (no self handle published)")
    # Exited drivers: process gone, job finished.
    for label in sc.driver_exits:
        d = sc.drivers[label]
        if d.running():
            waiting.append(f"driver {label} process still running")
        job = jobs.get(d.info["jobId"])
        if job is not None and not job["isDead"]:
            waiting.append(f"job of driver {label} not finished")
    # Owned actors of dead owners are dead.
    for a in actors.values():
        if a["state"] != "DEAD" and not a["detached"] and not _owner_live(a, drivers, actor_workers):
            waiting.append(f"actor {a['id']} ({a['name'] or 'unnamed'}) outlives its owner")
    # Kills processed.
    for actor_id, no_restart, before in sc.kills:
        a = actors.get(actor_id)
        if a is None or before is None or before["state"] == "DEAD":
            continue
        if no_restart:
            if a["state"] != "DEAD":
                waiting.append(f"killed actor {actor_id} is {a['state']}")
        elif a["state"] != "DEAD" and a["numRestarts"] <= before["numRestarts"]:
            waiting.append(f"actor {actor_id} killed with no_restart=False neither restarted nor dead")
    # Crashes resolved.
    for actor_id, before in sc.crashes:
        a = actors.get(actor_id)
        if a is not None and a["state"] != "DEAD" and a["numRestarts"] <= before["numRestarts"]:
            waiting.append(f"crashed actor {actor_id} neither restarted nor dead")
    # Intentional exits processed.
    for actor_id in sc.actor_exits:
        a = actors.get(actor_id)
        if a is not None and a["state"] != "DEAD":
            waiting.append(f"exited actor {actor_id} is {a['state']}")
    # Owner drops: an owned actor whose owner let go of every handle ends.
    for caller_worker, actor_id in sc.drops:
        a = actors.get(actor_id)
        if a is None or a["detached"] or caller_worker is None or a["ownerWorkerId"] != caller_worker:
            continue
        sc.destroyed.add(actor_id)
        if a["state"] != "DEAD":
            waiting.append(f"actor {actor_id} dropped by its owner is {a['state']}")
    return waiting


def names_to_release(sc, actors):
    """Dead named actors whose name Ray frees and that settle has not yet seen freed (condition 6).

    Detached, destroyed (killed for good, dropped by their owner) or with a
    dead owner; a crashed or exited owned actor whose owner lives keeps its
    name in Ray, so it is not waited for.
    """
    drivers = live_drivers(sc)
    actor_workers = live_actor_workers(actors)
    out = []
    for a in actors.values():
        if a["state"] != "DEAD" or not a["name"] or a["id"] in sc.released:
            continue
        owner_dead = (not a["detached"]) and not _owner_live(a, drivers, actor_workers)
        unschedulable = a.get("deathCause") == "actor_unschedulable_context"  # destroyed by the GCS
        if a["detached"] or owner_dead or unschedulable or a["id"] in sc.destroyed:
            out.append(a)
    return out


def name_wait(a, answer):
    """What a GCS lookup's `answer` ({"lagging": True} or {"holder": id|None}) says about dead actor `a`'s name.

    None when the name is free of it.
    """
    if answer.get("lagging"):
        return f"controller has not seen {a['id']} die yet"
    if answer.get("holder") == a["id"]:
        return f"dead actor {a['id']} still holds the name {a['name']!r}"
    return None


def fresh_deaths(sc, actors):
    """Dead actors not yet known to be seen dead by every live process."""
    return [a["id"] for a in actors.values() if a["state"] == "DEAD" and a["id"] not in sc.propagated]


def probe_targets(sc, actors):
    """Who may still cache a dead actor: ("driver", label) per live driver, ("actor", id) per ALIVE actor."""
    out = [("driver", label) for label, d in sc.drivers.items() if d.info is not None and not d.exited]
    out += [("actor", a["id"]) for a in actors.values() if a["state"] == "ALIVE"]
    return out


def lagging(who, states):
    """The waits for one process's local states of dead actors (condition 7)."""
    return [f"{who} still sees {actor_id} as {st}" for actor_id, st in states.items() if st in LIVE_LOCAL_STATES]


def unknown_waits(who, states, dead_since, now):
    """The waits for a process that cannot say what it believes (older releases): until the grace period is over."""
    return [f"{who} cannot say whether it has seen {actor_id} die (this Ray release): waiting {PROPAGATION_GRACE_S:g} s"
            for actor_id, st in states.items()
            if st == UNKNOWN_LOCAL_STATE and now - dead_since.get(actor_id, now) < PROPAGATION_GRACE_S]


def unsettled(sc, actors, jobs, lookup, probe, now=time.monotonic):
    """What is not quiescent yet (empty list: settled).

    `lookup(actor record)` -> the controller's lookup answer for its name;
    `probe(targets, dead ids)` -> [(who, states or None when unreachable)].
    Marks what it has seen done (names released, deaths propagated) on `sc`.
    """
    waiting = table_waits(sc, actors, jobs)
    if waiting:
        return waiting
    for a in names_to_release(sc, actors):
        wait = name_wait(a, lookup(a))
        if wait is None:
            sc.released.add(a["id"])
        else:
            waiting.append(wait)
    if waiting:
        return waiting
    fresh = fresh_deaths(sc, actors)
    if fresh:
        dead_since = getattr(sc, "dead_since", None)
        if dead_since is None:
            dead_since = sc.dead_since = {}
        t = now()
        for actor_id in fresh:
            dead_since.setdefault(actor_id, t)
        for who, states in probe(probe_targets(sc, actors), fresh):
            if states is not None:
                waiting += lagging(who, states)
                waiting += unknown_waits(who, states, dead_since, t)
        if waiting:
            return waiting
        sc.propagated.update(fresh)
    return []


def snapshot(sc, actors, jobs):
    """One poll's inputs, as JSON (the format of tests/fixtures/settle), or None when not recording."""
    if not RECORD:
        return None
    return {
        "actors": list(actors.values()), "jobs": jobs,
        "drivers": {label: {"workerId": (d.info or {}).get("workerId"), "jobId": (d.info or {}).get("jobId"),
                            "exited": d.exited, "running": d.running()} for label, d in sc.drivers.items()},
        "kills": list(sc.kills), "crashes": list(sc.crashes), "drops": list(sc.drops),
        "actorExits": list(sc.actor_exits), "driverExits": list(sc.driver_exits),
        "destroyed": sorted(sc.destroyed), "released": sorted(sc.released), "propagated": sorted(sc.propagated),
    }


def record(snap, sc, waits, lookups, local_states, probed):
    """Appends a poll (its inputs, the answers it got, its waits) to $RAY_BRIDGE_RECORD: a debugging aid, off by default."""
    if snap is None:
        return
    snap = dict(snap, prefix=sc.prefix, waits=waits,
                after={"destroyed": sorted(sc.destroyed), "released": sorted(sc.released), "propagated": sorted(sc.propagated)})
    if lookups:
        snap["lookups"] = lookups
    if probed is not None:
        snap["localStates"] = local_states
        snap["probedDeaths"] = probed
    with _record_lock, open(RECORD, "a") as f:
        f.write(json.dumps(snap) + "\n")


def settle(sc, poll, deadline_s=None, poll_s=SETTLE_POLL_S, clock=time.time, sleep=time.sleep):
    """Polls `poll()` (-> list of waits) until it is empty or the deadline passes; then forgets the scenario's recent events.

    Returns (settled, seconds, polls).
    """
    if deadline_s is None:
        deadline_s = SETTLE_DEADLINE_S
    t0 = clock()
    deadline = t0 + deadline_s
    polls = 0
    seen = {}
    settled = False
    while True:
        polls += 1
        waiting = poll()
        for w in waiting:
            seen.setdefault(re.sub(r"[0-9a-f]{32}", "<id>", w), (polls, clock() - t0))
        if not waiting:
            settled = True
            break
        if clock() > deadline:
            log(f"settle: deadline ({deadline_s:.0f} s) passed; not settled: " + "; ".join(waiting))
            break
        sleep(poll_s)
    sc.forget_events()
    dt = clock() - t0
    if dt > 1 or (DEBUG and seen):
        log(f"settle took {dt:.3f} s ({polls} polls)" + "".join(
            f"\n    waited for: {w} (first at poll {p}, {t:.3f} s)" for w, (p, t) in seen.items()))
    return settled, dt, polls
