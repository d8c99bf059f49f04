"""rasa-sdk actions: thin adapters over the newsbot package, served from the app environment."""

import warnings

# The actions run under rasa-sdk 3.21 (Python 3.11) while the server is Rasa 3.6 (Python 3.10,
# the newest Rasa Open Source). The action protocol between them is unchanged and the round trip
# is tested end to end, so rasa-sdk's major.minor version comparison warning is noise here.
warnings.filterwarnings(
    "ignore",
    message=r"Your versions of rasa and rasa_sdk might not be compatible",
    category=UserWarning,
)
