"""The WebSocket libraries the hub can serve with, one module each with the same names.

`base` is what they share (`HubServerBase`, the `Socket` protocol); `picows` (the default) and
`websockets` each provide a `HubServer` and a `Socket` class for one open connection.
`grouploop hub --transport NAME` imports only the chosen module.
"""
