"""The caption templates in each language the local engine writes (adapters/flyers_captions.py fills
them): written for each language, not translated word for word. English is the fallback.

Placeholders: {title} {day} (the long date) {time} {when} (date and time) {venue} {at} (" at the
venue" or "") {price} ("from €12") {price_sentence} (" Tickets from €12." or "") {blurb} (the
description's start) {url} {tags}. Each language also names its price ("from {amount}"), free entry,
its time ("{time} Uhr"), the QR line and its hashtags; the artwork uses its date, price and QR line too."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    locale: str  # babel's locale for dates and money
    scan: str  # the line by the QR code on the artwork
    when: str  # "{day}, {time} Uhr"
    at: str  # " at {venue}"
    from_price: str  # "from {amount}"
    free: str
    price_sentence: str  # " Tickets {price}."
    tickets: str  # the word when there is no price
    link_in_bio: str
    theme_tags: dict[str, str]  # the template's hashtag
    tickets_tag: str
    instagram: tuple[str, str, str]
    x: tuple[str, str, str]
    facebook: tuple[str, str, str]
    email: tuple[str, str, str]


WORDINGS: dict[str, Wording] = {
    "de": Wording(
        locale="de_DE", scan="Scannen & Tickets sichern",
        when="{day}, {time} Uhr", at=", {venue}", from_price="ab {amount}", free="Eintritt frei",
        price_sentence=" Tickets {price}.", tickets="Tickets", link_in_bio="Link in der Bio",
        theme_tags={"classic": "LiveErleben", "night": "Nachtleben", "bold": "NichtVerpassen",
                    "pastel": "GuteLaune"}, tickets_tag="Tickets",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "Merkt euch den Termin: {title} am {day}{at}.{price_sentence} Wir sehen uns! 🎶\n\n{tags}",
                   "{title} kommt – am {day} um {time} Uhr{at}. Sichert euch euren Platz, solange es geht."
                   "\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Termin vormerken: {title}, {day}.{price_sentence}",
           "🎟 {title}{at}, {day}, {time} Uhr. Nicht verpassen!"),
        facebook=("Wir freuen uns riesig auf {title}!\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n{blurb}\n\n"
                  "Tickets: {url}",
                  "Tragt euch den {day} ein: {title} beginnt um {time} Uhr{at}.{price_sentence} Bringt eure "
                  "Freunde mit – Tickets gibt es hier: {url}",
                  "{title}{at} – {when}. {blurb} Tickets: {url}"),
        email=("Wir laden dich herzlich zu {title} ein: am {day} um {time} Uhr{at}.{price_sentence} "
               "Sichere dir deinen Platz: {url}",
               "Sei dabei bei {title}! {blurb} Wann: {when}{at}. Tickets: {url}",
               "Am {day} ist es so weit: {title}{at}. Wir würden uns freuen, dich zu sehen!{price_sentence} {url}"),
    ),
    "es": Wording(
        locale="es_ES", scan="Escanea y consigue tu entrada",
        when="{day}, {time} h", at=" en {venue}", from_price="desde {amount}",
        free="Entrada gratuita", price_sentence=" Entradas {price}.", tickets="Entradas",
        link_in_bio="enlace en la bio",
        theme_tags={"classic": "EnVivo", "night": "PlanDeNoche", "bold": "NoTeLoPierdas", "pastel": "BuenRollo"},
        tickets_tag="Entradas",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "Apunta la fecha: {title}, el {day}{at}.{price_sentence} ¡Te esperamos! 🎶\n\n{tags}",
                   "Llega {title}{at}: el {day} a las {time} h. Consigue tu entrada antes de que se agoten."
                   "\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Reserva la fecha: {title}, {day}.{price_sentence}",
           "🎟 {title}{at}, {day}, {time} h. ¡No te lo pierdas!"),
        facebook=("¡Tenemos el placer de presentaros {title}!\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n{blurb}\n\n"
                  "Entradas: {url}",
                  "Marcad en el calendario el {day}: {title} empieza a las {time} h{at}.{price_sentence} "
                  "Invita a tus amigos y consigue tus entradas aquí: {url}",
                  "{title}{at} – {when}. {blurb} Entradas: {url}"),
        email=("Te invitamos a {title} el {day} a las {time} h{at}.{price_sentence} Reserva tu plaza: {url}",
               "¡Ven a {title}! {blurb} Será el {when}{at}. Entradas: {url}",
               "{title} es el {day}{at}, y nos encantaría verte allí.{price_sentence} {url}"),
    ),
    "fr": Wording(
        locale="fr_FR", scan="Scannez pour réserver",
        when="{day} à {time}", at=" à {venue}", from_price="dès {amount}", free="Entrée libre",
        price_sentence=" Billets {price}.", tickets="Billets", link_in_bio="lien en bio",
        theme_tags={"classic": "EnLive", "night": "SortieDuSoir", "bold": "ANePasManquer",
                    "pastel": "BonneAmbiance"}, tickets_tag="Billetterie",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "À noter dans vos agendas : {title}, le {day}{at}.{price_sentence} On vous attend ! 🎶\n\n{tags}",
                   "{title} arrive{at} le {day} à {time}. Réservez votre place avant qu'il ne soit trop tard."
                   "\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Réservez la date : {title}, le {day}.{price_sentence}",
           "🎟 {title}{at}, le {day} à {time}. À ne pas manquer !"),
        facebook=("Nous avons le plaisir de vous annoncer {title} !\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n"
                  "{blurb}\n\nBilletterie : {url}",
                  "Rendez-vous le {day} : {title} commence à {time}{at}.{price_sentence} Invitez vos amis et "
                  "prenez vos billets ici : {url}",
                  "{title}{at} – {when}. {blurb} Billets : {url}"),
        email=("Vous êtes invité·e à {title} le {day} à {time}{at}.{price_sentence} Réservez votre place : {url}",
               "Rejoignez-nous pour {title} ! {blurb} Rendez-vous le {when}{at}. Billets : {url}",
               "{title}, c'est le {day}{at}, et nous serions ravis de vous y voir.{price_sentence} {url}"),
    ),
    "it": Wording(
        locale="it_IT", scan="Inquadra per i biglietti",
        when="{day}, ore {time}", at=" presso {venue}", from_price="da {amount}",
        free="Ingresso gratuito", price_sentence=" Biglietti {price}.", tickets="Biglietti",
        link_in_bio="link in bio",
        theme_tags={"classic": "DalVivo", "night": "SerataFuori", "bold": "DaNonPerdere",
                    "pastel": "BuoneVibrazioni"}, tickets_tag="Biglietti",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "Segnatevi la data: {title}, {day}{at}.{price_sentence} Vi aspettiamo! 🎶\n\n{tags}",
                   "Arriva {title}{at}: {day} alle {time}. Prendi il tuo posto prima che finiscano.\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Segna la data: {title}, {day}.{price_sentence}",
           "🎟 {title}{at}, {day} alle {time}. Da non perdere!"),
        facebook=("Siamo felici di annunciarvi {title}!\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n{blurb}\n\n"
                  "Biglietti: {url}",
                  "Segnate in calendario {day}: {title} inizia alle {time}{at}.{price_sentence} Invitate gli "
                  "amici e prendete i biglietti qui: {url}",
                  "{title}{at} – {when}. {blurb} Biglietti: {url}"),
        email=("Ti invitiamo a {title}, {day} alle {time}{at}.{price_sentence} Prenota il tuo posto: {url}",
               "Vieni a {title}! {blurb} Ci vediamo {when}{at}. Biglietti: {url}",
               "{title} sarà {day}{at}: ci farebbe davvero piacere vederti.{price_sentence} {url}"),
    ),
    "nl": Wording(
        locale="nl_NL", scan="Scan voor tickets",
        when="{day}, {time} uur", at=" in {venue}", from_price="vanaf {amount}",
        free="Gratis toegang", price_sentence=" Tickets {price}.", tickets="Tickets", link_in_bio="link in bio",
        theme_tags={"classic": "LiveBeleven", "night": "AvondjeUit", "bold": "NietMissen",
                    "pastel": "GoedeVibes"}, tickets_tag="Tickets",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "Zet het in je agenda: {title}, {day}{at}.{price_sentence} Tot dan! 🎶\n\n{tags}",
                   "{title} komt eraan{at}: {day} om {time} uur. Wees er snel bij, op = op.\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Save the date: {title}, {day}.{price_sentence}",
           "🎟 {title}{at}, {day} om {time} uur. Mis het niet!"),
        facebook=("We zijn blij jullie {title} aan te kondigen!\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n{blurb}\n\n"
                  "Tickets: {url}",
                  "Noteer {day} in je agenda: {title} begint om {time} uur{at}.{price_sentence} Neem je "
                  "vrienden mee en koop je tickets hier: {url}",
                  "{title}{at} – {when}. {blurb} Tickets: {url}"),
        email=("Je bent van harte uitgenodigd voor {title} op {day} om {time} uur{at}.{price_sentence} "
               "Reserveer je plek: {url}",
               "Kom ook naar {title}! {blurb} Wanneer: {when}{at}. Tickets: {url}",
               "{title} is op {day}{at}, en we zien je er graag.{price_sentence} {url}"),
    ),
    "pt": Wording(
        locale="pt_PT", scan="Leia o código e compre bilhetes",
        when="{day}, às {time}", at=" em {venue}", from_price="a partir de {amount}",
        free="Entrada livre", price_sentence=" Bilhetes {price}.", tickets="Bilhetes", link_in_bio="link na bio",
        theme_tags={"classic": "AoVivo", "night": "NoiteFora", "bold": "NaoPerca", "pastel": "BoasVibes"},
        tickets_tag="Bilhetes",
        instagram=("✨ {title} ✨\n📅 {when}\n📍 {venue}\n🎟 {price_or_tickets} – {link_in_bio}\n\n{blurb}\n\n{tags}",
                   "Guarda a data: {title}, {day}{at}.{price_sentence} Vemo-nos lá! 🎶\n\n{tags}",
                   "Aí vem {title}{at}: {day}, às {time}. Garante o teu lugar antes que esgote.\n\n{tags}"),
        x=("{title} – {when}{at}.{price_sentence}",
           "Guarda a data: {title}, {day}.{price_sentence}",
           "🎟 {title}{at}, {day}, às {time}. Não percas!"),
        facebook=("Temos o prazer de anunciar {title}!\n\n📅 {when}\n📍 {venue}\n🎟 {price}\n\n{blurb}\n\n"
                  "Bilhetes: {url}",
                  "Marca na agenda: {title} é {day}, às {time}{at}.{price_sentence} Convida os teus amigos e "
                  "compra os bilhetes aqui: {url}",
                  "{title}{at} – {when}. {blurb} Bilhetes: {url}"),
        email=("Estás convidado para {title}, {day}, às {time}{at}.{price_sentence} Reserva o teu lugar: {url}",
               "Junta-te a nós em {title}! {blurb} Quando: {when}{at}. Bilhetes: {url}",
               "{title} é {day}{at} e adorávamos ver-te lá.{price_sentence} {url}"),
    ),
}
