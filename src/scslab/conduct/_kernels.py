"""Compiled inner loops of the conduct stage (numba).

One pass per actor instead of ~20 numpy passes. Every draw is keyed (see :mod:`scslab.rng`): a
person's acts on day d and their next act day after it come from Philox(person, d, t) of stream
``conduct.acts``, and a redraw from day d of a person who did not act from Philox(person, d, 0) of
``conduct.next``, so results never depend on which persons are processed together or in which order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scslab.rng import philox, u01

# A queue entry packs, into one uint64, the person (31 bits, up to 2.1e9 persons), their class
# (5 bits, :mod:`scslab.conduct.rates`) and their harmful rate m * N[g, c] [acts/day] as the top 28
# of the 31 low bits of a positive float32 (a relative precision of 2^-20). With groups, the group
# takes 5 of those bits (at most 32 groups) and the rate keeps the float's top 23 (2^-15). One
# plain integer per entry keeps a day's queue a single cheap concatenation, and the kernels
# gather nothing per person.
_CLASS_BITS = np.uint64(31)
_RATE_BITS = np.uint64(0x0FFFFFFF)
_GROUP_RATE_BITS = np.uint64(0x007FFFFF)
MAX_GROUPS = 32
# A person's ``state`` (int32) is their next act day << 5 | class.
SHIFT = 5
CLASS_MASK = 31
NONE_DAY = 32767  # no act before the horizon
REDRAW_DAY = 32766  # marked for a redraw after the day

@njit(cache=True, nogil=True, inline="always")
def _entry(person, klass, group, bits, grouped):
    """One packed queue entry (see above); ``bits``: the float32 rate's bits."""
    head = (np.uint64(person) << np.uint64(33)) | (np.uint64(klass) << np.uint64(28))
    if grouped:
        return head | (np.uint64(group) << np.uint64(23)) | (np.uint64(bits) >> np.uint64(8))
    return head | (np.uint64(bits) >> np.uint64(3))


@njit(cache=True, nogil=True)
def pack(person, klass, group, neg, grouped, out):
    """Pack queue entries into ``out`` (uint64)."""
    bits = neg.view(np.uint32)
    for i in range(person.shape[0]):
        out[i] = _entry(person[i], klass[i], group[i] if grouped else 0, bits[i], grouped)


@njit(cache=True, nogil=True)
def unpack(entries, grouped):
    """(person int64, class int8, group uint8, harmful rate float32) of packed entries."""
    n = entries.shape[0]
    person = np.empty(n, np.int64)
    klass = np.empty(n, np.int8)
    group = np.zeros(n, np.uint8)
    bits = np.empty(n, np.uint32)
    for i in range(n):
        e = entries[i]
        person[i] = np.int64(e >> np.uint64(33))
        klass[i] = np.int8((e >> np.uint64(28)) & _CLASS_BITS)
        if grouped:
            group[i] = np.uint8((e >> np.uint64(23)) & _CLASS_BITS)
            bits[i] = np.uint32((e & _GROUP_RATE_BITS) << np.uint64(8))
        else:
            bits[i] = np.uint32((e & _RATE_BITS) << np.uint64(3))
    return person, klass, group, bits.view(np.float32)


@njit(cache=True, nogil=True)
def occurrences(entries, neg_total, pos_total, cum_neg, cum_pos, acts_neg, acts_pos, day, base,  # noqa: C901
                k0, k1, sid, cap, grouped):
    # (The act choice stays inline: as a separate numba function it made this kernel 50 % slower.)
    """Every act of every actor on their act day, in one pass over the actors.

    One Philox call keyed (person, day, 0) gives an actor's four words: the number of acts (a
    zero-truncated Poisson(rate) by inverse CDF), the first act (negative with probability
    neg/rate, chosen by the class's cumulative rates per unit propensity, else positive), that
    act's luck, and the Exp(1) of the person's next act day. Act t >= 1 takes its choice and
    luck from the call keyed (person, day, t). ``day`` is relative to the run's start; ``base``
    is the row of the partition's first person (entries hold rows within the partition).

    Args:
        entries: the day's packed queue entries: person, class and negative rate m * N[c]
            [acts/day] travel together, so no gather from per-person arrays is needed.
        neg_total: total harmful rate per unit propensity, per (group, class) [acts/day].
        pos_total: total rate of the other acts, per (group, class) [acts/day].
        cum_neg: cumulative harmful rates per unit propensity, per (group, class, act).
        cum_pos: cumulative rates of the other acts, per (group, class, act).
        acts_neg: scenario act index of each negative act.
        acts_pos: scenario act index of each positive act.
        day: the day, relative to the run's start.
        base: subject row of the partition's first person.
        k0: low word of the key (the run seed).
        k1: high word of the key.
        sid: the stream id (``conduct.acts``).
        grouped: the entries carry age groups (more than one group).
        cap: room for this many acts; when the actors make more, the acts come back empty and
            the count says how many to make room for (the draws are keyed, so a retry repeats
            them exactly). Fixed buffers keep the loop's stores cheap.

    Returns:
        (actors, their classes, their negative rates, their next-day Exp(1) draws, subject per
        act, act index per act, luck per act: a uniform 32-bit word sources observe with, and
        the number of acts made).
    """
    actors, klass, group, negrate = unpack(entries, grouped)
    n = actors.shape[0]
    subj = np.empty(cap, np.int64)
    act = np.empty(cap, np.int64)
    luck = np.empty(cap, np.uint32)
    nxt = np.empty(n, np.float32)
    nn = acts_neg.shape[0]
    npos = acts_pos.shape[0]
    # The actors' words first, in a loop without branches, so successive Philox calls overlap
    # in the pipeline (about half the cost of calling it inside the branchy loop below).
    words = np.empty((n, 3), np.uint32)
    for i in range(n):
        x0, x1, x2, x3 = philox(actors[i] + base, day, 0, sid, k0, k1)
        words[i, 0] = x0
        words[i, 1] = x1
        words[i, 2] = x2
        # float32 suffices for a day count: the 24 high bits as a uniform in (0, 1)
        nxt[i] = -np.log(np.float32((x3 >> np.uint64(8)) + np.uint64(1)) * np.float32(2.0 ** -24))
    e = 0
    for i in range(n):
        p = actors[i]
        c = klass[i]
        g = group[i]
        ng = np.float64(negrate[i])
        la = ng + pos_total[g, c]
        x0, x1, x2 = np.uint64(words[i, 0]), np.uint64(words[i, 1]), np.uint64(words[i, 2])
        # P(K = k | K >= 1) = e^-la la^k / k! / (1 - e^-la); P(K = 1 | K >= 1) = la / expm1(la)
        pk = la / np.expm1(la)
        cdf = pk
        k = 1
        ui = u01(x0)
        while ui >= cdf and k < 1000:
            k += 1
            pk *= la / k
            cdf += pk
        for t in range(k):
            if e >= cap:  # rare: more acts than room; count them, and the caller retries
                e += 1
                continue
            if t:
                x1, x2, _, _ = philox(p + base, day, t, sid, k0, k1)
            x = u01(x1) * la  # the act at position x of the actor's rates: negative below ng
            a = -1
            if x < ng and nn > 0:
                y = x / ng * neg_total[g, c]  # position per unit propensity
                for j in range(nn):
                    if y < cum_neg[g, c, j]:
                        a = acts_neg[j]
                        break
                if a < 0:
                    a = acts_neg[nn - 1]
            else:
                y = x - ng
                for j in range(npos):
                    if y < cum_pos[g, c, j]:
                        a = acts_pos[j]
                        break
                if a < 0:
                    a = acts_pos[npos - 1] if npos > 0 else acts_neg[nn - 1]
            subj[e] = p + base
            act[e] = a
            luck[e] = np.uint32(x2)
            e += 1
    if e > cap:
        return actors, klass, group, negrate, nxt, subj[:0], act[:0], luck[:0], e
    return actors, klass, group, negrate, nxt, subj[:e], act[:e], luck[:e], e


@njit(cache=True, nogil=True)
def next_days(p, neg, klass, group, pos_total, e, first, end, state, old, out, base, k0, k1, sid,
              grouped):
    """Next act day of persons ``p`` from day ``first``.

    That is ``first + floor(E / rate)``, where rate = neg + pos_total[class] [acts/day] and
    E ~ Exp(1) is ``e[i]`` (drawn with the day's acts) or, when ``e`` is empty, keyed
    (person, first, 0). Days here are relative to the run's start.

    Writes each person's ``state`` = next day << 5 | class (day 32767: none before the horizon)
    and groups the persons due before ``end`` by day with a counting sort.

    Args:
        p: persons, as rows within the partition.
        neg: their negative rates m * N[c] [acts/day] (float32).
        klass: their pressure classes.
        group: their age groups (uint8; ignored without groups).
        pos_total: total rate of the other acts per (group, class) [acts/day].
        e: Exp(1) draws per person, or an empty array to draw them here.
        first: the first day they may act on (relative to the start).
        end: one past the last day (relative to the start).
        state: per person of the partition, next day << 5 | class (written).
        old: previous queued day per person, or an empty array; persons whose new day equals
            it are already queued and are left out.
        out: an empty uint64 array of length len(p), filled with the packed queued entries.
        base: subject row of the partition's first person.
        k0: low word of the key (the run seed).
        k1: high word of the key.
        sid: the stream id (``conduct.next``).
        grouped: there is more than one age group.

    Returns:
        (entries grouped by day, distinct days, offsets of each day's group).
    """
    n = p.shape[0]
    span = end - first
    rel = np.empty(n, np.int64)
    counts = np.zeros(span + 1, np.int64)
    check_old = old.shape[0] == n
    has_e = e.shape[0] == n
    for i in range(n):
        lam = np.float64(neg[i]) + pos_total[group[i] if grouped else 0, klass[i]]
        if has_e:
            ei = e[i]
        else:
            x0, _, _, _ = philox(p[i] + base, first, 0, sid, k0, k1)
            ei = -np.log(u01(x0))
        gap = np.floor(ei / lam) if lam > 0 else np.inf
        if gap < span:
            d = first + np.int64(gap)
            state[p[i]] = (d << SHIFT) | klass[i]
            if check_old and old[i] == d:
                rel[i] = -1
            else:
                rel[i] = d - first
                counts[rel[i]] += 1
        else:
            state[p[i]] = (NONE_DAY << SHIFT) | klass[i]  # none before the horizon
            rel[i] = -1
    starts = np.zeros(span + 1, np.int64)
    nd = 0
    total = 0
    for r in range(span):
        starts[r] = total
        total += counts[r]
        if counts[r] > 0:
            nd += 1
    fill = starts.copy()
    bits = neg.view(np.uint32)
    for i in range(n):
        if rel[i] >= 0:
            j = fill[rel[i]]
            out[j] = _entry(p[i], klass[i], group[i] if grouped else 0, bits[i], grouped)
            fill[rel[i]] += 1
    days = np.empty(nd, np.int64)
    offsets = np.empty(nd + 1, np.int64)
    j = 0
    for r in range(span):
        if counts[r] > 0:
            days[j] = first + r
            offsets[j] = starts[r]
            j += 1
    offsets[nd] = total
    return out[:total], days, offsets


@njit(cache=True, nogil=True)
def refresh(actors, klass_now, group, neg, state, propensity, neg_total):
    """Update the carried class and harmful rate of actors whose class changed today."""
    for i in range(actors.shape[0]):
        p = actors[i]
        c = state[p] & CLASS_MASK
        if c != klass_now[i]:
            klass_now[i] = c
            neg[i] = propensity[p] * neg_total[group[i], c]


@njit(cache=True, nogil=True)
def newest_per_person(entries, mark, day):
    """Mask of the day's entries to keep: each person's newest (last) entry only.

    A stale entry (queued before a redraw) passes the day check when a later redraw of the
    same person lands on its day again; without this the person would act twice that day.
    ``mark`` (int16 per person of the partition, written) holds the last day a person was
    kept; ``day`` is relative to the start.
    """
    n = entries.shape[0]
    keep = np.empty(n, np.bool_)
    d = np.int16(day)
    for i in range(n - 1, -1, -1):
        w = np.int64(entries[i] >> np.uint64(33))
        if mark[w] == d:
            keep[i] = False
        else:
            mark[w] = d
            keep[i] = True
    return keep


@njit(cache=True, nogil=True)
def current(entries, state, day):
    """The day's entries whose person is still queued for ``day`` (relative to the start).

    An entry goes stale when its person is redrawn to another day; one pass, where numpy
    would make five temporaries of the day's queue.
    """
    out = np.empty_like(entries)
    k = 0
    for i in range(entries.shape[0]):
        e = entries[i]
        if (state[np.int64(e >> np.uint64(33))] >> SHIFT) == day:
            out[k] = e
            k += 1
    return out[:k]


@njit(cache=True, nogil=True)
def split_looks(subj, act, luck, check_act, review_act):
    """The day's occurrences parted in one pass, each part in occurrence order.

    Returns (real subjects, acts, lucks; subjects of score checks; subjects of tie reviews).
    Checks and reviews are not acts any regime records.
    """
    n = subj.shape[0]
    rs = np.empty(n, subj.dtype)
    ra = np.empty(n, act.dtype)
    rl = np.empty(n, luck.dtype)
    cs = np.empty(n, subj.dtype)
    vs = np.empty(n, subj.dtype)
    k = nc = nv = 0
    for i in range(n):
        a = act[i]
        if a == check_act:
            cs[nc] = subj[i]
            nc += 1
        elif a == review_act:
            vs[nv] = subj[i]
            nv += 1
        else:
            rs[k] = subj[i]
            ra[k] = a
            rl[k] = luck[i]
            k += 1
    return rs[:k], ra[:k], rl[:k], cs[:nc], vs[:nv]
