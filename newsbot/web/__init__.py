"""The web app: the demo page and widget, the chat and answer APIs, and the Rasa action webhook."""
