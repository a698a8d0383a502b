"""The GroupLoop hub: devices stream sensor frames in, subscribers get them out, commands go back.

`hub.core` holds the protocol handling without I/O; `hub.server` is the `websockets` shell
around it; `hub.commands` loads the command registry; `hub.cli` is `grouploop hub`.
"""
