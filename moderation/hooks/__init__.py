"""The built-in hooks. Each module exposes ``make_hook(options, context)``, like any third-party hook."""
