/// Deterministic, handwriting-like notes in several languages for the search benchmark:
/// shopping lists, meeting notes, receipts and diary lines, with dates, amounts, names,
/// abbreviations, accents and the odd misread letter.
struct SyntheticNotes {
    /// SplitMix64: the same seed gives the same notes on every machine.
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Zipf-like pick: early words far more often than late ones, as in real text.
    mutating func pick(_ words: [String]) -> String {
        let u = Double(next() >> 11) / Double(1 << 53)
        return words[min(words.count - 1, Int(pow(u, 2.2) * Double(words.count)))]
    }

    static let languages: [[String]] = [
        // English
        ("milk eggs bread butter call mum meeting tomorrow monday tuesday friday invoice total paid remember dentist "
            + "appointment project budget review draft send email before noon lunch with the and to for from about "
            + "garden tomatoes fix bike chain pick up kids school library return books rent electricity insurance "
            + "birthday present cake candles flight gate boarding passport check notes lecture chapter exam revise "
            + "recipe flour sugar oven minutes doctor prescription pharmacy plumber leak kitchen sink quote estimate")
            .split(separator: " ").map(String.init),
        // German
        ("Rechnung Betrag bezahlt Einkaufsliste Milch Brot Butter Käse Äpfel Besprechung morgen Montag Dienstag "
            + "Freitag Zürich München Köln Straße Grüße Termin Zahnarzt Überweisung Miete Strom Versicherung Geburtstag "
            + "Geschenk Kuchen Kerzen Flughafen Reisepass Prüfung Kapitel Vorlesung Rezept Mehl Zucker Backofen Minuten "
            + "Arzt Apotheke Klempner Küche Spüle Angebot Kostenvoranschlag und mit für über nicht bitte danke schön")
            .split(separator: " ").map(String.init),
        // French
        ("facture montant payé liste courses lait pain beurre fromage pommes réunion demain lundi mardi vendredi "
            + "Genève café crème rendez-vous dentiste virement loyer électricité assurance anniversaire cadeau gâteau "
            + "bougies aéroport passeport examen chapitre cours recette farine sucre four médecin ordonnance pharmacie "
            + "plombier fuite cuisine évier devis et avec pour sur ne pas merci très été noël fête")
            .split(separator: " ").map(String.init),
        // Spanish
        ("factura importe pagado lista compra leche pan mantequilla queso manzanas reunión mañana lunes martes viernes "
            + "cita dentista transferencia alquiler electricidad seguro cumpleaños regalo pastel velas aeropuerto "
            + "pasaporte examen capítulo clase receta harina azúcar horno médico receta farmacia fontanero cocina "
            + "fregadero presupuesto y con para sobre no gracias año niño señor")
            .split(separator: " ").map(String.init),
        // Italian and Polish, for other diacritics
        ("fattura importo pagato spesa latte pane burro formaggio mele riunione domani lunedì martedì venerdì città "
            + "perché caffè più già però zakupy mleko chleb masło ser jabłka spotkanie jutro poniedziałek wtorek piątek "
            + "faktura zapłacono dziękuję proszę żółć łódź kraków gdańsk")
            .split(separator: " ").map(String.init),
    ]

    static let names = ["Anna", "Tom", "Jürgen", "Zoë", "François", "José", "Łukasz", "Søren", "Chiara", "Mei", "Ravi", "Olga"]
    static let abbreviations = ["w/", "approx.", "tel.", "z.B.", "ca.", "etc.", "N.B.", "p.s.", "→", "!!", "??", "#"]

    /// One note: a few lines of words from one main language, with names, numbers and the odd slip.
    mutating func note() -> String {
        let language = below(10) < 7 ? below(2) : 2 + below(SyntheticNotes.languages.count - 2)
        let words = SyntheticNotes.languages[language]
        let lines = 2 + below(8)
        var text: [String] = []
        for _ in 0..<lines {
            var line: [String] = []
            for _ in 0..<(3 + below(9)) {
                switch below(20) {
                case 0: line.append(SyntheticNotes.names[below(SyntheticNotes.names.count)])
                case 1: line.append("\(below(28) + 1).\(below(12) + 1).\(2020 + below(7))")
                case 2: line.append("\(below(500)).\(below(100) < 10 ? "0" : "")\(below(100))")
                case 3: line.append(SyntheticNotes.abbreviations[below(SyntheticNotes.abbreviations.count)])
                case 4: line.append(misread(pick(words)))
                case 5: line.append(pick(SyntheticNotes.languages[below(SyntheticNotes.languages.count)]))
                default: line.append(pick(words))
                }
            }
            text.append(line.joined(separator: " "))
        }
        return text.joined(separator: "\n")
    }

    /// A letter dropped or doubled, as a model misreading a scrawl would.
    private mutating func misread(_ word: String) -> String {
        guard word.count > 3 else { return word }
        var chars = Array(word)
        let i = 1 + below(chars.count - 2)
        if below(2) == 0 { chars.remove(at: i) } else { chars.insert(chars[i], at: i) }
        return String(chars)
    }
}

import Foundation
