"""Chat benchmark: G groups of M members at a given send rate, against Oncommun and a bare python-socketio.

Run ``python -m loadtests.chat --help``. See __main__.py for what is measured and how.
"""
