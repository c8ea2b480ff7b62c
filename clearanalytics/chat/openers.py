"""Greetings, thanks and asides before a question ("Bonjour, ...", "Petite question : ...", "Vraagje: ...").

They come before a comma or colon and name no period, figure or row, but a word of them next to "property" or
"pages" would be read as a name ("Bonjour, propriété author" read the property "bonjour").
"""

from __future__ import annotations

import re

# The words such an aside is made of, in the five languages
_OPENER_LINES = (
    "hi hello hey hé hee hallo hoi hola buenas bonjour bonsoir salut coucou allô allo moin servus there all",
    "again ok okay oké so well um hmm ah oh right alright cool great nice perfect thanks thank you danke",
    "merci gracias bedankt dank je please bitte svp stp quick question quickie petite une un pregunta",
    "rápida rapida vraagje snelle vraag kurze frage eine dis-moi dites-moi dime oye mira zeg even checken",
    "rapidement reporting report rapport bericht informe pour le la el de het der die den for für para",
    "voor the my mi mon ma mijn mein meine boss chef jefe baas is asking asks wants veut quiere wil will",
    "wissen savoir saber weten to good morning guten morgen buenos días dias goedemorgen bonne journée",
    "sorry désolé perdón pardon hey team got it interesting understood gotcha awesome excellent lovely",
    "brilliant ja oui sí si yes yeah yep super genial gut bien top that's that helpful useful hiya heya",
    "howdy yo rapidito rapidita consulta teamvergadering vergadering meeting",
)
_OPENER_WORDS = frozenset(word for line in _OPENER_LINES for word in line.split(" "))
_OPENER = re.compile(r"^(?P<opener>[^\W\d_](?:[^\W\d_]|[' -]){0,40}?)\s*[,:.!]\s+(?=\S)")


def drop_opener(text: str) -> str:
    """The question without a greeting or aside before its first comma or colon: "bonjour" or "reporting" is no
    property's or section's name ("Bonjour, propriété author" asks for author)."""
    for _ in range(2):  # "Great, that's helpful. Only the desktop visitors"
        match = _OPENER.match(text)
        if not (match and all(word in _OPENER_WORDS for word in re.findall(r"[^\W\d_][\w'-]*", match.group("opener")))):
            break
        text = text[match.end() :]
    return text
