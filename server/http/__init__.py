"""HTTP API: thin aiohttp handlers over the domain services."""
