"""The GroupLoop hub: devices stream sensor frames in, subscribers get them out, commands go back.

`hub.core` holds the protocol handling without I/O; `hub.transports` the WebSocket libraries
around it (`picows`, the default, and `websockets`, with what they share in `base`);
`hub.commands` loads the command registry; `hub.cli` is `grouploop hub`.
"""
