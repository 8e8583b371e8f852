"""Example third-party hooks, shipped to show how one is written, packaged and switched on."""
