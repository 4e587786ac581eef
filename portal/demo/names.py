"""Invented people for the demo: first and last names from across the member states."""

FIRST_NAMES = (
    "Anna", "Lukas", "Marie", "Jakub", "Sofia", "Matteo", "Elena", "Jan", "Lea", "Pierre",
    "Camille", "Javier", "Lucía", "Tomás", "Inês", "Mikkel", "Freja", "Aino", "Eero", "Kristina",
    "Marek", "Zofia", "Ioana", "Andrei", "Eleni", "Nikos", "Petra", "Luka", "Mateja", "Ivan",
    "Jana", "Peter", "Réka", "Bence", "Sean", "Aoife", "Liis", "Mart", "Ilze", "Jānis",
    "Rūta", "Tomas", "Sara", "Lars", "Emma", "Giulia", "Sophie", "Thomas", "Katarzyna", "Pablo",
)  # fmt: skip

LAST_NAMES = (
    "Müller", "Schmidt", "Novak", "Kowalski", "Nowak", "Rossi", "Bianchi", "Dubois", "Martin",
    "García", "Fernández", "Silva", "Santos", "Jensen", "Nielsen", "Virtanen", "Korhonen",
    "Horvat", "Kovačić", "Popescu", "Ionescu", "Papadopoulos", "Georgiou", "Nagy", "Kovács",
    "Murphy", "Kelly", "Tamm", "Saar", "Bērziņš", "Kazlauskas", "Andersson", "Johansson",
    "de Vries", "Janssen", "Peeters", "Maes", "Schneider", "Fischer", "Wagner", "Borg",
    "Camilleri", "Dimitrov", "Ivanova", "Svoboda", "Dvořák", "Hoffmann", "Weber", "Costa", "Leroy",
)  # fmt: skip

# International dialling codes, for the contact people's phone numbers.
CALLING_CODES = {
    "AT": "43", "BE": "32", "BG": "359", "HR": "385", "CY": "357", "CZ": "420", "DK": "45",
    "EE": "372", "FI": "358", "FR": "33", "DE": "49", "GR": "30", "HU": "36", "IE": "353",
    "IT": "39", "LV": "371", "LT": "370", "LU": "352", "MT": "356", "NL": "31", "PL": "48",
    "PT": "351", "RO": "40", "SK": "421", "SI": "386", "ES": "34", "SE": "46",
}  # fmt: skip
