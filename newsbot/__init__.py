"""newsbot: answers questions about news articles in the articles' own words."""

__version__ = "0.1.0"
