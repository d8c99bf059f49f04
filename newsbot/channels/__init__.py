"""Channels: the same typed reply rendered for the widget, Slack, the terminal and plain text."""
