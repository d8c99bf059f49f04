"""Dialogue: replies that depend on the conversation (follow-ups), and the topics of the bot's intents."""
