"""Forms of the tuned batches' last wrong readings, read in the sixteenth session (after batch T's one scoring).

Rows as in phrase_forms_s.EARLY_S, and tried first with them: a regular expression over the lower-cased question.
Each row is a rule in every language the form was asked in; English words inside a foreign row are bracketed
(lexicon.FOREIGN takes a foreign row's words as the four languages' vocabulary).
"""

from __future__ import annotations

_DOMAIN = r"(?=[a-z0-9][\w-]*(?:\.[\w-]+)*\.[a-z]{2,}\b)"  # a domain follows

EARLY_T: tuple[tuple[str, str], ...] = (
    # "Umsatz von shop-example.com", "woher kamen die Besucher von app.example": the German "of" before a site, not
    # "from" a referrer ("Besucher von t.co" alone are visitors from t.co)
    (rf"\b(umsatz|seitenaufrufe|bestellungen|verk[äa]ufe) von {_DOMAIN}", r"\1 of "),
    (rf"(\bwoher\b.*\bbesucher) von {_DOMAIN}", r"\1 of "),
)

# English forms; kept apart so that their words do not join the foreign typo mender's vocabulary (lexicon.py)
ENGLISH_T: tuple[tuple[str, str], ...] = ()
