"""Moderation: the hook pipeline that screens what people do in rooms, and the tools that keep rooms safe.

`pipeline.ModerationPipeline` implements the rooms' `ContentFilter` protocol; rooms never import this
package. Built-in hooks live in `moderation.hooks`; third-party hooks arrive through the entry-point group
``oncommun.moderation_hooks`` (see docs/moderation.md).
"""
