"""Virtual GroupLoop devices: the real firmware core with Python I/O, alone or as a swarm."""
