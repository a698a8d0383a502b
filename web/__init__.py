"""The GroupLoop web apps: static pages served by one process, one port per app."""
