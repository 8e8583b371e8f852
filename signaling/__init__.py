"""WebRTC signaling over Socket.IO (namespace "/live"): thin handlers between sockets, rooms and media.

signaling never imports server: the server builds `LiveSignaling` and `LiveHandlers` with their
dependencies (the media worker, the live-session service, the Socket.IO server) and registers the
handlers behind its authentication guard. See docs/signaling.md.
"""
