"""The GroupLoop CDN: JS client libraries, firmware builds and the command table over HTTP."""
