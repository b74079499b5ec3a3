package seed

import (
	"math/rand/v2"
	"strings"

	"github.com/opendispute/disputes/pkg/dispute"
)

// RareWord is written into the description of about one dispute in a
// thousand (0.1 %), and nowhere else: searching for it is the benchmark's
// selective full-text search.
const RareWord = "quokka"

// rareOneIn is how rare RareWord is: one dispute in rareOneIn, the cases
// whose number is a multiple of it.
const rareOneIn = 1000

// languages are the dispute languages generated, each with its weight.
var languages = []struct {
	code   string
	weight int
}{
	{"en", 50}, {"de", 12}, {"fr", 10}, {"es", 10}, {"it", 6}, {"nl", 5}, {"pt", 4}, {"pl", 2}, {"zh", 1},
}

// phrases are what buyers write when opening, per language and reason; a
// language without a reason's phrases uses its "" entry.
var phrases = map[string]map[dispute.Reason][]string{
	"en": {
		dispute.ReasonItemNotReceived:    {"The parcel never arrived and tracking has shown no movement for days.", "I was charged but nothing was delivered to my address."},
		dispute.ReasonItemDamaged:        {"The screen arrived cracked and the corner of the box was crushed.", "The vase was broken into pieces when I opened the package."},
		dispute.ReasonReturnIssue:        {"I returned the jacket weeks ago and the refund has not come.", "The seller refuses the return although the label was prepaid."},
		dispute.ReasonItemNotAsDescribed: {"The shoes are a different colour and size than the listing showed.", "The laptop has less memory than described and the keyboard layout is wrong."},
		dispute.ReasonCounterfeit:        {"The handbag is a fake: the stitching and the logo are wrong.", "The watch is counterfeit, the serial number does not exist."},
		dispute.ReasonFraud:              {"The seller asked me to pay outside the platform and then vanished.", "The account sold me a gift card that was already used."},
		dispute.ReasonPaymentIssue:       {"I was charged twice for the same order.", "The payment was taken but the order shows as unpaid."},
		dispute.ReasonOther:              {"The seller stopped answering my questions about the warranty.", "The invoice has the wrong company name on it."},
	},
	"de": {
		dispute.ReasonItemNotReceived: {"Das Paket ist nie angekommen, die Sendungsverfolgung zeigt seit Tagen nichts.", "Ich habe bezahlt, aber nichts wurde geliefert."},
		dispute.ReasonItemDamaged:     {"Der Bildschirm kam gebrochen an und der Karton war zerdrückt.", "Die Vase war beim Öffnen in Scherben."},
		dispute.ReasonCounterfeit:     {"Die Tasche ist eine Fälschung, Nähte und Logo stimmen nicht."},
		"":                            {"Der Artikel entspricht nicht der Beschreibung, Farbe und Größe sind falsch.", "Der Verkäufer antwortet nicht mehr auf meine Nachrichten."},
	},
	"fr": {
		dispute.ReasonItemNotReceived: {"Le colis n'est jamais arrivé et le suivi ne bouge plus depuis des jours.", "J'ai payé mais rien n'a été livré."},
		dispute.ReasonItemDamaged:     {"L'écran est arrivé fissuré et le carton était écrasé.", "Le vase était cassé en morceaux à l'ouverture du colis."},
		dispute.ReasonCounterfeit:     {"Le sac est une contrefaçon, les coutures et le logo sont faux."},
		"":                            {"L'article ne correspond pas à la description, la couleur et la taille sont différentes.", "Le vendeur ne répond plus à mes messages."},
	},
	"es": {
		dispute.ReasonItemNotReceived: {"El paquete nunca llegó y el seguimiento no se mueve desde hace días.", "Pagué pero no se entregó nada."},
		dispute.ReasonItemDamaged:     {"La pantalla llegó rota y la caja estaba aplastada.", "El jarrón estaba roto en pedazos al abrir el paquete."},
		dispute.ReasonCounterfeit:     {"El bolso es falso, las costuras y el logotipo no coinciden."},
		"":                            {"El artículo no corresponde a la descripción, el color y la talla son distintos.", "El vendedor ya no responde a mis mensajes."},
	},
	"it": {"": {"Il pacco non è mai arrivato e il tracciamento è fermo da giorni.", "Lo schermo è arrivato rotto e la scatola era schiacciata.", "L'articolo non corrisponde alla descrizione."}},
	"nl": {"": {"Het pakket is nooit aangekomen en de tracking staat al dagen stil.", "Het scherm kwam gebarsten aan en de doos was geplet.", "Het artikel komt niet overeen met de beschrijving."}},
	"pt": {"": {"A encomenda nunca chegou e o rastreamento está parado há dias.", "O ecrã chegou partido e a caixa estava amassada.", "O artigo não corresponde à descrição."}},
	"pl": {"": {"Paczka nigdy nie dotarła, a śledzenie stoi od kilku dni.", "Ekran przyszedł pęknięty, a karton był zgnieciony.", "Przedmiot nie zgadza się z opisem."}},
	"zh": {"": {"包裹一直没有送到 物流信息几天没有更新", "屏幕到货时已经破裂 包装盒被压坏", "商品与描述不符"}},
}

// replies are what the parties write later: messages and the reasons given
// on escalating, appealing and withdrawing, per language.
var replies = map[string][]string{
	"en": {"We shipped it on time, please check with the courier.", "I attached photos of the damage and the packaging.", "The seller offered a partial refund but that does not cover the repair.",
		"The courier confirmed the parcel was lost in transit.", "We never received the returned item at our warehouse.", "Please decide, we cannot agree on the remedy."},
	"de": {"Wir haben pünktlich versendet, bitte beim Paketdienst nachfragen.", "Ich habe Fotos vom Schaden und der Verpackung angehängt.", "Bitte entscheiden Sie, wir einigen uns nicht."},
	"fr": {"Nous avons expédié à temps, merci de voir avec le transporteur.", "J'ai joint des photos des dégâts et de l'emballage.", "Merci de trancher, nous ne trouvons pas d'accord."},
	"es": {"Enviamos a tiempo, consulte con la empresa de mensajería.", "Adjunté fotos del daño y del embalaje.", "Por favor decidan, no llegamos a un acuerdo."},
	"it": {"Abbiamo spedito in tempo, verifichi con il corriere.", "Ho allegato foto del danno e dell'imballaggio."},
	"nl": {"We hebben op tijd verzonden, vraag het na bij de koerier.", "Ik heb foto's van de schade en de verpakking bijgevoegd."},
	"pt": {"Enviámos a tempo, verifique com a transportadora.", "Anexei fotografias dos danos e da embalagem."},
	"pl": {"Wysłaliśmy na czas, proszę sprawdzić u kuriera.", "Załączyłem zdjęcia uszkodzeń i opakowania."},
	"zh": {"我们按时发货了 请联系快递公司", "我附上了损坏和包装的照片"},
}

// language picks a dispute's language by weight.
func pickLanguage(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, l := range languages {
		if n < l.weight {
			return l.code
		}
		n -= l.weight
	}
	return "en"
}

// description writes what a buyer opening for reason in lang would: one or
// two sentences of that reason, and RareWord when rare is set (the seed sets
// it for one case in rareOneIn, by the case's number, so that even a small
// seed holds the word and a search for it finds something).
func description(rng *rand.Rand, lang string, reason dispute.Reason, rare bool) string {
	of := phrases[lang]
	list := of[reason]
	if len(list) == 0 {
		list = of[""]
	}
	parts := []string{list[rng.IntN(len(list))]}
	if rng.IntN(2) == 0 {
		parts = append(parts, replies[lang][rng.IntN(len(replies[lang]))])
	}
	if rare {
		parts = append(parts, "The "+RareWord+" figurine was missing.")
	}
	return strings.Join(parts, " ")
}

// reply writes a later message or reason in lang.
func reply(rng *rand.Rand, lang string) string {
	list := replies[lang]
	return list[rng.IntN(len(list))]
}
