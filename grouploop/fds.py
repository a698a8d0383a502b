"""The file-descriptor limit: processes that hold many sockets raise their soft limit.

A CDN under a flood of 1,000 slow clients (or the benchmark that makes the flood) needs a
descriptor per connection; many systems start processes with a soft limit of 1,024.
"""

from __future__ import annotations

import resource


def raise_soft_limit(needed: int | None = None) -> int:
    """Raise the soft RLIMIT_NOFILE to `needed` (None: to the hard limit); the new soft limit.

    Raises RuntimeError when the hard limit is below `needed`.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Linux refuses an infinite soft limit: a generous finite one stands in for it.
    ceiling = hard if hard != resource.RLIM_INFINITY else 1 << 20
    wanted = ceiling if needed is None else needed
    if wanted > ceiling:
        raise RuntimeError(f"{wanted} descriptors wanted; the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        return wanted
    return soft
