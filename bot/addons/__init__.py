"""Code the Rasa server loads (Python 3.10, .venv-rasa): a guarded REST channel, the tracker store.

It must not import the newsbot package, which lives in the other environment.
"""
