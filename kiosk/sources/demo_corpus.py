"""Words the demo stream is made of: post templates in four languages, people, places, platforms.

Templates carry their sentiment, so demo posts come with a known sentiment. Slots: ``{brand}``,
``{tag}`` (a hashtag without #), ``{city}``, ``{emoji}``.
"""

from __future__ import annotations

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"

TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        POSITIVE: (
            "Honestly impressed by {brand} customer service today {emoji}",
            "The new {brand} update is so smooth, finally!",
            "Shout out to the {brand} team in {city}, fixed my issue in 10 minutes {emoji}",
            "{brand} delivery arrived a day early. Love it",
            "Switched to {brand} last month and not looking back #{tag}",
            "That {brand} ad during the game was brilliant {emoji}",
            "Best loyalty programme around, well done {brand}",
            "{brand} just keeps getting better. Great job on the redesign",
        ),
        NEUTRAL: (
            "Does anyone know if {brand} opens on Sunday in {city}?",
            "{brand} announces new pricing for 2027 #{tag}",
            "Comparing {brand} and the others for my small business, thoughts?",
            "Waiting in line at the {brand} store in {city}",
            "{brand} is hiring in {city} according to their careers page",
            "Reading the {brand} quarterly report this morning",
            "Has {brand} changed the app layout again? #{tag}",
            "New {brand} pop-up store in {city} this weekend",
        ),
        NEGATIVE: (
            "Third time this week the {brand} app crashes at checkout {emoji}",
            "On hold with {brand} support for 45 minutes. Seriously?",
            "{brand} charged me twice and nobody answers #{tag}",
            "My {brand} order is stuck in {city} for a week now",
            "Prices at {brand} went up again, not worth it anymore",
            "Worst experience with {brand} ever, cancelling my subscription",
            "Why does {brand} never reply to emails? {emoji}",
            "{brand} delivery driver left my parcel in the rain",
        ),
    },
    "nl": {
        POSITIVE: (
            "Echt top geholpen door de klantenservice van {brand} {emoji}",
            "De nieuwe update van {brand} werkt super soepel",
            "Pakket van {brand} een dag eerder binnen, netjes!",
            "Fijne winkel van {brand} in {city}, heel vriendelijk personeel",
            "Overgestapt naar {brand} en zeer tevreden #{tag}",
            "Die reclame van {brand} is echt geweldig {emoji}",
        ),
        NEUTRAL: (
            "Weet iemand of {brand} in {city} op zondag open is?",
            "{brand} kondigt nieuwe tarieven aan #{tag}",
            "Twijfel tussen {brand} en de concurrent, tips?",
            "Nieuwe vestiging van {brand} in {city} geopend",
            "Heeft {brand} de app weer veranderd?",
        ),
        NEGATIVE: (
            "Alweer een storing bij {brand}, app doet het niet {emoji}",
            "Al 40 minuten in de wacht bij {brand}. Belachelijk",
            "Dubbel afgeschreven door {brand} en geen reactie #{tag}",
            "Bestelling bij {brand} ligt al een week in {city}",
            "{brand} is veel te duur geworden, ik zeg op",
            "Slechtste service ooit van {brand}",
        ),
    },
    "fr": {
        POSITIVE: (
            "Super accueil au magasin {brand} de {city} {emoji}",
            "La nouvelle mise à jour de {brand} est vraiment réussie",
            "Livraison {brand} reçue en avance, bravo !",
            "Service client {brand} au top aujourd'hui #{tag}",
            "J'adore la nouvelle pub de {brand} {emoji}",
            "Passé chez {brand} et franchement aucun regret",
        ),
        NEUTRAL: (
            "Quelqu'un sait si {brand} est ouvert dimanche à {city} ?",
            "{brand} annonce de nouveaux tarifs #{tag}",
            "{brand} ou la concurrence pour mon entreprise ?",
            "Nouvelle boutique {brand} à {city} ce week-end",
            "L'appli {brand} a encore changé ?",
        ),
        NEGATIVE: (
            "Encore une panne de l'appli {brand} {emoji}",
            "45 minutes d'attente au service client {brand}, sérieusement ?",
            "{brand} m'a débité deux fois et personne ne répond #{tag}",
            "Ma commande {brand} est bloquée à {city} depuis une semaine",
            "Les prix chez {brand} ont encore augmenté, j'arrête",
            "Pire expérience client avec {brand}",
        ),
    },
    "it": {
        POSITIVE: (
            "Servizio clienti {brand} davvero gentile oggi {emoji}",
            "Il nuovo aggiornamento di {brand} è fantastico",
            "Consegna {brand} arrivata in anticipo, grazie!",
            "Bellissimo il negozio {brand} a {city} #{tag}",
            "Passato a {brand} e sono soddisfatto {emoji}",
            "Che spot quello di {brand}, complimenti",
        ),
        NEUTRAL: (
            "Qualcuno sa se {brand} a {city} è aperto la domenica?",
            "{brand} annuncia nuovi prezzi #{tag}",
            "Meglio {brand} o la concorrenza per la mia azienda?",
            "Nuovo punto vendita {brand} a {city}",
            "{brand} ha cambiato di nuovo l'app?",
        ),
        NEGATIVE: (
            "L'app di {brand} non funziona di nuovo {emoji}",
            "In attesa con l'assistenza {brand} da 40 minuti. Assurdo",
            "{brand} mi ha addebitato due volte e nessuno risponde #{tag}",
            "Il mio ordine {brand} è fermo a {city} da una settimana",
            "{brand} è diventato troppo caro, disdico",
            "Peggior servizio di sempre da {brand}",
        ),
    },
}

EMOJI = {
    POSITIVE: ("👏", "🙌", "😍", "🔥", "💯", "👍"),
    NEUTRAL: ("🤔", "👀", "📈", "🛍️", ""),
    NEGATIVE: ("😡", "🤬", "😤", "👎", "🙄", "💸"),
}

# A crisis: a negative phrase that suddenly spikes for "our" brand, with its own hashtag.
CRISES: tuple[dict[str, str], ...] = (
    {
        "tag": "{brand}Down",
        "en": "{brand} app down again, can't pay for anything #{tag}",
        "nl": "{brand} app ligt er weer uit, kan niks betalen #{tag}",
        "fr": "L'appli {brand} est en panne, impossible de payer #{tag}",
        "it": "L'app di {brand} è di nuovo giù, non posso pagare #{tag}",
    },
    {
        "tag": "{brand}Cancelled",
        "en": "All {brand} orders in {city} cancelled without warning #{tag}",
        "nl": "Alle bestellingen van {brand} in {city} zomaar geannuleerd #{tag}",
        "fr": "Toutes les commandes {brand} annulées à {city} sans prévenir #{tag}",
        "it": "Tutti gli ordini {brand} a {city} cancellati senza avviso #{tag}",
    },
    {
        "tag": "{brand}Breach",
        "en": "Did {brand} just leak our personal data?? #{tag}",
        "nl": "Heeft {brand} nou echt onze gegevens gelekt?? #{tag}",
        "fr": "{brand} a laissé fuiter nos données personnelles ?? #{tag}",
        "it": "{brand} ha perso i nostri dati personali?? #{tag}",
    },
)

TOPICAL_TAGS = (
    "customerservice",
    "tech",
    "shopping",
    "deals",
    "delivery",
    "fail",
    "mondaymotivation",
    "smallbusiness",
    "unboxing",
    "review",
    "sustainability",
    "fintech",
)
CAMPAIGN_SUFFIXES = ("Summer", "Live", "Rewards", "Green")

PLATFORMS: tuple[tuple[str, float], ...] = (
    ("x", 0.27),
    ("instagram", 0.18),
    ("facebook", 0.12),
    ("tiktok", 0.12),
    ("reddit", 0.08),
    ("youtube", 0.05),
    ("bluesky", 0.06),
    ("mastodon", 0.03),
    ("news", 0.09),
)

FIRST_NAMES = {
    "en": ("Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas", "Grace", "Ethan"),
    "nl": ("Sanne", "Daan", "Lotte", "Bram", "Fleur", "Joris", "Anouk", "Thijs", "Noor", "Sem"),
    "fr": ("Camille", "Hugo", "Léa", "Louis", "Chloé", "Jules", "Manon", "Théo", "Inès", "Élise"),
    "it": (
        "Giulia",
        "Marco",
        "Sofia",
        "Luca",
        "Chiara",
        "Matteo",
        "Aurora",
        "Davide",
        "Elena",
        "Paolo",
    ),
}
LAST_NAMES = {
    "en": ("Smith", "Brown", "Taylor", "Walker", "Clarke", "Hughes", "Evans", "Reed"),
    "nl": ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Mulder", "de Boer", "Peters"),
    "fr": ("Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Girard", "Roux"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Greco", "Conti"),
}
INFLUENCERS = (
    ("TechWithTara", "techwithtara", "en", 1_850_000),
    ("Dutch Gadget Guy", "gadgetguy_nl", "nl", 420_000),
    ("Le Journal Numérique", "journalnum", "fr", 960_000),
    ("Marta Viaggi", "martaviaggi", "it", 310_000),
    ("ConsumerWatch", "consumerwatch", "en", 1_200_000),
    ("Retail Insider EU", "retailinsider", "en", 240_000),
)

# (city, language, latitude, longitude)
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("London", "en", 51.507, -0.128),
    ("Manchester", "en", 53.481, -2.243),
    ("Dublin", "en", 53.350, -6.260),
    ("New York", "en", 40.713, -74.006),
    ("Chicago", "en", 41.878, -87.630),
    ("San Francisco", "en", 37.775, -122.419),
    ("Toronto", "en", 43.653, -79.383),
    ("Sydney", "en", -33.869, 151.209),
    ("Singapore", "en", 1.352, 103.820),
    ("Mumbai", "en", 19.076, 72.878),
    ("Lagos", "en", 6.524, 3.379),
    ("Cape Town", "en", -33.925, 18.424),
    ("Austin", "en", 30.267, -97.743),
    ("Tokyo", "en", 35.677, 139.650),
    ("Amsterdam", "nl", 52.370, 4.895),
    ("Rotterdam", "nl", 51.924, 4.478),
    ("Utrecht", "nl", 52.091, 5.122),
    ("Eindhoven", "nl", 51.441, 5.470),
    ("Antwerpen", "nl", 51.219, 4.402),
    ("Gent", "nl", 51.054, 3.717),
    ("Groningen", "nl", 53.219, 6.567),
    ("Den Haag", "nl", 52.070, 4.300),
    ("Paris", "fr", 48.857, 2.352),
    ("Lyon", "fr", 45.764, 4.836),
    ("Marseille", "fr", 43.297, 5.370),
    ("Toulouse", "fr", 43.605, 1.444),
    ("Bordeaux", "fr", 44.838, -0.579),
    ("Lille", "fr", 50.629, 3.057),
    ("Bruxelles", "fr", 50.850, 4.352),
    ("Montréal", "fr", 45.502, -73.567),
    ("Genève", "fr", 46.204, 6.143),
    ("Nantes", "fr", 47.218, -1.554),
    ("Milano", "it", 45.464, 9.190),
    ("Roma", "it", 41.903, 12.496),
    ("Napoli", "it", 40.852, 14.268),
    ("Torino", "it", 45.070, 7.687),
    ("Bologna", "it", 44.495, 11.343),
    ("Firenze", "it", 43.770, 11.256),
    ("Palermo", "it", 38.116, 13.361),
    ("Venezia", "it", 45.441, 12.316),
)

COUNTRIES: dict[str, str] = {
    "London": "GB",
    "Manchester": "GB",
    "Dublin": "IE",
    "New York": "US",
    "Chicago": "US",
    "San Francisco": "US",
    "Toronto": "CA",
    "Sydney": "AU",
    "Singapore": "SG",
    "Mumbai": "IN",
    "Lagos": "NG",
    "Cape Town": "ZA",
    "Austin": "US",
    "Tokyo": "JP",
    "Amsterdam": "NL",
    "Rotterdam": "NL",
    "Utrecht": "NL",
    "Eindhoven": "NL",
    "Antwerpen": "BE",
    "Gent": "BE",
    "Groningen": "NL",
    "Den Haag": "NL",
    "Paris": "FR",
    "Lyon": "FR",
    "Marseille": "FR",
    "Toulouse": "FR",
    "Bordeaux": "FR",
    "Lille": "FR",
    "Bruxelles": "BE",
    "Montréal": "CA",
    "Genève": "CH",
    "Nantes": "FR",
    "Milano": "IT",
    "Roma": "IT",
    "Napoli": "IT",
    "Torino": "IT",
    "Bologna": "IT",
    "Firenze": "IT",
    "Palermo": "IT",
    "Venezia": "IT",
}
"""Each city's country (ISO 3166 alpha-2), for breakdowns by country and market."""
