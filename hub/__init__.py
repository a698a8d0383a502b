"""The GroupLoop hub: devices stream sensor frames in, subscribers get them out, commands go back.

`hub.core` holds the protocol handling without I/O; `hub.shell` is what the transport shells
around it share (`hub.transport_picows`, the default, and `hub.server` for `websockets`);
`hub.commands` loads the command registry; `hub.cli` is `grouploop hub`.
"""
