"""What the web app records of the conversations it serves (each bot message, and the reader's
judgement of it), in the database of Rasa's tracker store; and deleting it (retention, forget)."""
