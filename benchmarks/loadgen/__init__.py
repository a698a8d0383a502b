"""Load generator for `make perf`: simulated devices and subscribers over real WebSockets.

`codec` puts a send timestamp and a sequence number into a valid sensor frame, `stats` turns
what the subscribers saw into loss and latency figures, `worker` runs a slice of the
simulated clients in one process (picows on uvloop), `coordinator` runs one step over the
workers while its `probes` watch the window, and `benchmarks.hub` (one hub) and
`benchmarks.cluster` (hubs through Redis) drive the sweeps.
"""
