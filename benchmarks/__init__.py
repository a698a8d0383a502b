"""Benchmarks, outside the runtime packages: `make perf` runs them from the repository root.

- `hub` (`python -m benchmarks.hub`): the hub under load over real sockets, both transports;
  `hub_report` prints its table; `loadgen` is the load generator it spreads over processes;
- `cluster` (`python -m benchmarks.cluster`): two hubs joined through a private redis-server
  under the same load generator; `cluster_report` prints its tables;
- `emulator` (`python -m benchmarks.emulator`): a swarm of virtual devices on a real hub;
- `web` (`python -m benchmarks.web`): the web apps' frame rate and click latency with 500
  emulated devices streaming.

The runtime packages (`grouploop`, `hub`, `cdn`, `emulator`, `bench`, `web`) never import this
package (tests/unit/test_import_direction.py); it is not installed, only run from a checkout.
"""
