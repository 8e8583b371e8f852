"""The Socket.IO server: authenticated connections, guarded events, and one module per area of events."""
