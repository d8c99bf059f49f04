"""rasa-sdk actions: thin adapters over the newsbot package (served by the app environment)."""
