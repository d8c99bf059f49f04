"""Serving: `newsbot serve` trains the Rasa model when needed and supervises the web app and Rasa."""
