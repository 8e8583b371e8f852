"""Indirect crisis language: how people say it without the words "die" or "kill myself".

The first lexicon (`crisis_lexicon`) catches direct statements; on messages written after it was tuned it
held only a fifth. People in distress more often say it sideways: tired of living, no sense in going on,
better for everyone if I were gone, pills saved up, cutting again, a last goodbye. The families below
follow the risk signs in Samaritans' and NSPA guidance (wish to be dead, feeling a burden, means and plan,
finality and farewells, self-harm), written as general shapes, not as the sentences of any sample.

Some signs are common in ordinary cancer talk on their own ("no puedo más con los vómitos", "thank you
all for everything", "I won't be here next week"). Such entries are `needs_company`: alone they do
nothing (they would fill the moderators' queue); together with a second sign in the same message (a burden, "I
can't go on", a wish for it all to end) they hold it, as a mentor would read the two together.
"""

from __future__ import annotations

from care.people import Language
from moderation.crisis_lexicon import Entry, Signal

EN, ES, CA, PT, PL = Language.EN, Language.ES, Language.CA, Language.PT, Language.PL
S = Signal

_EN_MEANS = r"(pills|tablets|meds|medication|morphine|painkillers|sleeping pills|oxy\w*|opioids|insulin)"
_ES_MEANS = r"(pastillas|pildoras|medicinas|medicamentos|morfina|calmantes|pastis)"
_CA_MEANS = r"(pastilles|medicaments|medicacio|morfina|calmants)"
_PT_MEANS = r"(comprimidos|remedios|medicamentos|pilulas|morfina|calmantes)"
_PL_MEANS = r"(tabletki|tabletek|leki|lekow|pigulki|pigulek|proszki|proszkow|morfine|morfiny)"
_NIGHT = r" ?(por|de|en|a|pela|a|durante|w|w nocy|per|la) ?(la )?(noche|noite|nit|madrugada|nocy|noc)"
_SELF_PLACES = (
    r"(arms|wrists|legs|thighs|skin|brazos|munecas|piernas|muslos|bracos|canells|cames|cuixes|pulsos|pernas|coxas)"
)

INDIRECT_ENTRIES: tuple[Entry, ...] = (
    # --- English ---
    Entry(EN, S.IDEATION, r"\b(tired|sick|weary) of (being alive|living|life|existing|being here|waking up)\b",
          unless_followed_by=r" ?(in|with|on|at|under|off|out|without|through|around|near)\b", third_person_guard=True),
    Entry(EN, S.IDEATION, r"\b(want|wanna|wish i could|need|just want) to (stop existing|stop living|stop being "
          r"alive|not be alive|not be here any ?more|be gone|go to sleep forever|sleep forever)\b",
          third_person_guard=True),
    Entry(EN, S.IDEATION, r"\b(don t|dont|do not|can t|cant|cannot|no longer) see (the|any) (point|reason|sense) "
          r"(in|of|to|for) (living|life|going on|being alive|being here|staying alive|carrying on|waking up)\b|"
          r"\bwhat s the point (in|of) (living|being alive|going on|life|waking up)\b|\bwhats the point (in|of) "
          r"(living|being alive|going on|life)\b", negatable=False),
    Entry(EN, S.IDEATION, r"\bwish (the |this |my )?(cancer|illness|disease|tumou?r|it) would (just )?(take|kill|"
          r"finish) me\b|\b(let|just let) (the )?(cancer|disease|tumou?r) (take|kill|finish) me\b"),
    Entry(EN, S.IDEATION, r"\b(wouldn t|wouldnt|would not|won t|wont|don t|dont|do not) (mind|care) if i (didn t|"
          r"didnt|did not|don t|dont|never|won t|wont) wake up\b|\b(don t|dont|do not) care if i (die|live or die)\b",
          negatable=False),
    Entry(EN, S.IDEATION, r"\b(better|happier|relieved|easier) (off )?(for (everyone|everybody|them|all|my family|"
          r"my kids|my children) )?if i (was|were|am|m) (gone|dead|not here|not around|no longer here|not alive)\b|"
          r"\b(better|happier|relieved|easier) (off )?(for (everyone|everybody|them|all|my family) )?if i (died|"
          r"disappeared|wasn t here|wasnt here|weren t here)\b|\bno one would (even )?(notice|care|miss me) if i "
          r"(disappeared|died|was gone|were gone|wasn t here|wasnt here)\b"),
    Entry(EN, S.METHOD, rf"\b(saving|stashing|hoarding|stockpil\w*|hiding|storing|saved up|stashed|hoarded) (up )?"
          rf"(all )?(my |the |some )?{_EN_MEANS}\b",
          unless_followed_by=r" ?(in the|in a|in my|for (the|my|a) (trip|holiday|holidays|journey|flight|weekend))"),
    Entry(EN, S.METHOD, rf"\benough {_EN_MEANS} (saved|stored|stashed|put by|put away|to (do it|end it|die|not wake "
          r"up|kill myself|end things|never wake up))"),
    Entry(EN, S.METHOD, r"\b(take|swallow|down) (everything|all of it|all of them) (in|from) (the|my) (cabinet|"
          r"medicine cabinet|drawer|cupboard|pill box)|\b(swallow|down) the whole (bottle|box|pack|packet)\b"),
    Entry(EN, S.INTENT, r"\b(how|ways|way|best way) to (end it|end it all|end my life|kill myself|die painlessly|do "
          r"it painlessly)\b|\bjust end it\b",
          unless_followed_by=r" ?(with|there|early|off|up|on|at|for|by)\b"),
    Entry(EN, S.SELF_HARM, rf"\b(started|start|been|keep|kept|back to|urge to|relapsed|i m|im|was) cutting "
          rf"(again|myself|my {_SELF_PLACES})\b|\b(hurt|hurting|harm|harming|cut|cutting|burn|burning|hit|hitting) "
          r"myself (on purpose|deliberately|intentionally)\b", third_person_guard=True),
    # Signs that hold only in company (see the module's docstring).
    Entry(EN, S.FAREWELL, r"\b(won t|wont|will not) be (here|around) (next week|tomorrow|much longer|for long|any "
          r"?more|by (the )?(weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday))", needs_company=True),
    Entry(EN, S.FAREWELL, r"\b(this is|this will be|here is) my (last|final) (message|post|goodbye)\b|\bthank you "
          r"(all )?for everything\b|\bthanks (all )?for everything\b|\b(for )?(after|when) i m gone\b",
          needs_company=True),
    Entry(EN, S.IDEATION, r"\b(want|need|wish) (it|this|everything|it all|all of this|this life|my life) (all )?to "
          r"(be over|end|stop)\b|\bi want it (all )?over\b|\bwhat s the point\b|\bwhats the point\b|"
          r"\b(can t|cant|cannot) do this any ?more\b|\bi m done\b",
          needs_company=True, negatable=False, unless_followed_by=r" ?(with|for|at|in|by)\b"),
    # --- Español ---
    Entry(ES, S.IDEATION, r"\b(cansad[oa]|hart[oa]) de (vivir|la vida|estar viv[oa]|existir|despertar(me)?)\b",
          unless_followed_by=r" ?(con|en|sin|de)\b"),
    Entry(ES, S.IDEATION, r"\bno (le )?(veo|encuentro) (ningun |el )?sentido (a|de|en) (vivir|la vida|seguir|"
          r"seguir viviendo|estar viv[oa]|despertar)|\bno tiene sentido (vivir|seguir viviendo)", negatable=False),
    Entry(ES, S.IDEATION, r"\bno (quiero|kiero|puedo) seguir (viv[oa]|en este mundo)\b", negatable=False),
    Entry(ES, S.IDEATION, r"\bojala no (me )?(despertara|despertase|despierte|amaneciera|amanezca)\b|"
          r"\bojala (me )?(muera|muriera|muriese)\b|\bojala (el cancer|esto) (me mate|me matara|acabe "
          r"conmigo|acabara conmigo)", unless_followed_by=r" ?(sin|con|bien|mejor|descansad|curad)"),
    Entry(ES, S.IDEATION, r"\b(seria|sera|estaria|estarian|estaran|seriamos) mejor (para (todos|ellos|mi familia|"
          r"mis hijos) )?si (yo )?(me muriera|me muero|muriera|no estuviera|no existiera|desapareciera|no hubiera "
          r"nacido|ya no estuviera)\b|\b(lo mejor|mejor) (seria|es|sera) (morirme|morir|desaparecer|no despertar)\b",
          unless_followed_by=r" ?(tan|asi|aqui|en|ingresad|enferm|cansad|en casa|tranquil|de risa|de verguenza)"),
    Entry(ES, S.METHOD, rf"\b(acumulando|guardando|juntando|acumulo|guardo|junto|ahorrando) (las |mis |la |unas )?"
          rf"{_ES_MEANS}", unless_followed_by=r" ?(en|dentro|bajo|con|al|para el viaje)\b"),
    Entry(ES, S.METHOD, rf"\b(suficientes|bastantes) {_ES_MEANS}|\b{_ES_MEANS} (suficientes )?para (no despertar(me)?"
          r"|morir(me)?|acabar con todo|matarme|quitarme la vida)", unless_followed_by=_NIGHT),
    Entry(ES, S.INTENT, r"\b(quitarme|me quito|me voy a quitar) de en medio\b|\bpara (acabar con todo|matarme|"
          r"quitarme la vida|acabar con mi vida)\b", unless_followed_by=r" ?(el|la|los|las|esto|eso|lo de)\b"),
    Entry(ES, S.SELF_HARM, rf"\b(me hago|hacerme|me hice) (cortes|heridas|quemaduras) (en )?(los|las|mis)? ?"
          rf"{_SELF_PLACES}|\b(me hago|me hice) dano a proposito|\bme corto (los|las) {_SELF_PLACES}"),
    Entry(ES, S.FAREWELL, r"\b(ya )?(tengo )?todo (preparado|listo) para (irme|marcharme|despedirme)\b",
          unless_followed_by=r" ?(de|a|al|con|en|el|la|manana)\b"),
    Entry(ES, S.FAREWELL, r"\b(esta es|este es|es) mi (ultima )?despedida\b|\bgracias por todo\b|\bya no "
          r"estare (aqui|con vosotros)\b|\b(la semana que viene|manana|pronto) ya no estare\b|\bpara cuando (yo )?"
          r"(ya )?no (este|estare)\b", needs_company=True),
    Entry(ES, S.IDEATION, r"\bno (puedo|aguanto|soporto) mas\b|\bno quiero (seguir|estar) aqui\b|"
          r"\bquiero que (todo )?(esto )?(termine|se acabe|"
          r"acabe|se termine)\b", needs_company=True, negatable=False,
          unless_followed_by=r" ?(el|la|los|las|de|mi|mis|con|lo de)\b"),
    # --- Català ---
    Entry(CA, S.IDEATION, r"\b(cansad[ao]|cansat|fart|farta) de (viure|la vida|estar viu|estar viva|existir)\b",
          unless_followed_by=r" ?(amb|en|sense|de)\b"),
    Entry(CA, S.IDEATION, r"\bno (li )?(veig|trobo) (cap |el )?sentit (a|de|en) (viure|la vida|seguir|seguir "
          r"vivint|continuar)", negatable=False),
    Entry(CA, S.IDEATION, r"\bno (vull|puc) (seguir|continuar) (viu|viva|en aquest mon)\b", negatable=False),
    Entry(CA, S.IDEATION, r"\btant de bo no (em )?(despertes|desperti)\b|\btant de bo (em )?(moris|mori)\b",
          unless_followed_by=r" ?(sense|amb|be|millor|curad)"),
    Entry(CA, S.IDEATION, r"\b(seria|estaria|estarien) millor (per a (tothom|ells|la meva familia) )?si (jo )?(em "
          r"moris|no hi fos|no existis|desapareges|no hagues nascut)\b|\bmillor que (jo )?(no hi fos|em mori|"
          r"desaparegui|no existeixi)\b|\bseria millor (morir|desapareixer|no despertar)\b",
          unless_followed_by=r" ?(tan|aixi|aqui|a l|ingressad|malalt|cansad|a casa|en pau|de riure)"),
    Entry(CA, S.METHOD, rf"\b(acumulant|guardant|guardo|acumulo|estalviant) (les |mes |la )?{_CA_MEANS}",
          unless_followed_by=r" ?(a|al|dins|en|sota|amb|per al viatge)\b"),
    Entry(CA, S.METHOD, rf"\b(prou|suficients) {_CA_MEANS}|\b{_CA_MEANS} per (no despertar( me)?|morir( me)?|acabar "
          r"amb tot|matar me)", unless_followed_by=_NIGHT),
    Entry(CA, S.INTENT, r"\b(he pensat|penso|pensant|estic pensant) a (matar me|suicidar me|treure m la vida|tirar "
          r"me|llancar me)\b|\bper (acabar amb tot|matar me|treure m la vida)\b",
          unless_followed_by=r" ?(el|la|els|les|aixo)\b"),
    Entry(CA, S.SELF_HARM, rf"\b(em faig|fer me|em vaig fer) (talls|ferides|cremades) (a|als|a les|al)? ?"
          rf"(meus |meves )?{_SELF_PLACES}|\bem faig mal (a proposit|expres)"),
    Entry(CA, S.FAREWELL, r"\b(ja )?(ho )?(tinc )?tot (preparat|a punt) per (marxar|anar me n|acomiadar me)\b",
          unless_followed_by=r" ?(de|a|al|amb|en|el|la|dema)\b"),
    Entry(CA, S.FAREWELL, r"\b(aquest es|es) el meu (ultim )?comiat\b|\bgracies per tot\b|\bja no hi sere\b|"
          r"\bper quan (jo )?(ja )?no hi (sigui|sere)\b", needs_company=True),
    Entry(CA, S.IDEATION, r"\bno (puc|aguanto) mes\b|\bno vull (ser|estar|seguir) aqui\b|"
          r"\bvull que (tot )?(aixo )?s acabi\b", needs_company=True,
          negatable=False, unless_followed_by=r" ?(el|la|els|les|de|amb|aixo de)\b"),
    # --- Português ---
    Entry(PT, S.IDEATION, r"\b(cansad[oa]|fart[oa]) de (viver|a vida|estar viv[oa]|existir|acordar)\b",
          unless_followed_by=r" ?(com|em|sem|de|assim de)\b"),
    Entry(PT, S.IDEATION, r"\b(nao|ja nao) (vejo|encontro) (nenhum )?sentido (em|para|de|na) (viver|continuar|a "
          r"vida|vida|acordar)|\bnao faz sentido (viver|continuar a viver)", negatable=False),
    Entry(PT, S.IDEATION, r"\bnao (quero|consigo) (continuar|seguir) viv[oa]\b|\b(ja nao quero|nao quero mais) "
          r"acordar\b|\bnao quero acordar (mais|nunca)\b", negatable=False,
          unless_followed_by=r" ?(cedo|tarde|as|a|antes|durante|com|sem)\b"),
    Entry(PT, S.IDEATION, r"\b(quem me dera|oxala) nao (acordar|acorde|existir|ter nascido|estar ca)\b|"
          r"\b(quem me dera|oxala) (morrer|morra|eu morresse)\b",
          unless_followed_by=r" ?(sem|com|bem|melhor|curad|descansad)"),
    Entry(PT, S.IDEATION, r"\b(era|seria|estaria|ficava|ficaria|ficavam|ficariam) melhor (para (todos|eles|a minha "
          r"familia) )?se eu (morresse|nao existisse|nao estivesse|desaparecesse|nao tivesse nascido|ja nao "
          r"estivesse)\b|\b(era|seria) (melhor|preferivel) (eu )?(morrer|desaparecer|nao existir|nao acordar)\b",
          unless_followed_by=r" ?(tao|assim|aqui|em|internad|doente|cansad|em casa|em paz|de rir|de vergonha)"),
    Entry(PT, S.METHOD, rf"\b(guardar|guardando|acumular|acumulando|juntar|juntando|guardo|acumulo|junto|poupar) "
          rf"(os |as |meus |minhas |uns )?{_PT_MEANS}", unless_followed_by=r" ?(na|no|em|dentro|numa|num|para a "
          r"viagem)\b"),
    Entry(PT, S.METHOD, rf"\b{_PT_MEANS} suficientes|\b(suficientes|bastantes) {_PT_MEANS}|\b{_PT_MEANS} para (nao "
          r"acordar|morrer|acabar com tudo|me matar)", unless_followed_by=_NIGHT),
    Entry(PT, S.SELF_HARM, rf"\b(faco|fiz|fazer|faco me) (me )?(cortes|feridas|queimaduras) (nos|nas|no|na|em)? ?"
          rf"{_SELF_PLACES}|\b(magoar me|me magoo|magoo me|me magoei) de proposito"),
    Entry(PT, S.FAREWELL, r"\b(ja )?(tenho )?tudo (preparado|pronto) para (partir|ir me embora|me despedir)\b",
          unless_followed_by=r" ?(de|a|ao|para|com|em|o|amanha)\b"),
    Entry(PT, S.FAREWELL, r"\b(esta e|e) a minha (ultima )?despedida\b|\bobrigad[oa] por tudo\b|\bja nao vou estar "
          r"(ca|aqui)\b|\bquando (eu )?(ja )?nao (estiver|estar) (ca|aqui)?\b", needs_company=True),
    Entry(PT, S.IDEATION, r"\bnao aguento mais\b|\bnao quero (estar|ficar|continuar) (ca|aqui)\b|"
          r"\bquero que (tudo )?(isto )?(acabe|termine)\b", needs_company=True,
          negatable=False, unless_followed_by=r" ?(o|a|os|as|de|com|isto de)\b"),
    # --- Polski ---
    Entry(PL, S.IDEATION, r"\b(zmeczon[ay]|zmeczony|zmeczona) (zyciem|zycia)\b|\bmam dosc (zycia|zyc|istnienia)\b"),
    Entry(PL, S.IDEATION, r"\bnie (widze|ma) (juz )?sensu (zycia|zyc|dalej zyc|istnienia)\b|\bnie chce (juz )?dalej "
          r"zyc\b", negatable=False, unless_followed_by=r" ?(w|z|bez|tak|tam|tutaj)\b"),
    Entry(PL, S.IDEATION, r"\bobym (sie )?(juz )?(jutro )?nie obudzil[a]?\b|\bobym (juz )?umarl[a]?\b"),
    Entry(PL, S.IDEATION, r"\blepiej (by bylo |byloby |bedzie )?gdyby mnie (juz )?nie bylo\b|"
          r"\blepiej (by bylo |byloby |bedzie )?(gdybym|zebym) (umarl|umarla|zniknal|zniknela|nie "
          r"zyl|nie zyla|nie istnial|nie istniala)\b|\blepiej (byloby |by bylo )?(umrzec|zniknac)\b|"
          r"\b(byloby|bedzie|by bylo) lepiej (gdybym|zebym) (umarl|umarla|zniknal|zniknela|nie zyl|nie zyla)\b",
          unless_followed_by=r" ?(ze (wstydu|smiechu)|w (domu|spokoju))"),
    Entry(PL, S.IDEATION, r"\b(wole|wolalabym|wolalbym) (juz )?(umrzec|nie zyc|nie istniec)\b",
          unless_followed_by=r" ?(w (domu|spokoju|szpitalu)|godnie|bez bolu)"),
    Entry(PL, S.METHOD, rf"\b(zbieram|odkladam|gromadze|chowam) (sobie )?{_PL_MEANS}\b|\b{_PL_MEANS} "
          r"(zeby|by) (sie )?(nie obudzic|umrzec|skonczyc ze soba)",
          unless_followed_by=r" ?(w|do|na|przy|dla)\b"),
    Entry(PL, S.INTENT, r"\b(myslalam|myslalem|myslalam o tym|myslalem o tym|mysle|mysle o tym) (zeby|by) "
          r"(wyskoczyc|skoczyc|rzucic sie|sie zabic|zabic sie|sie powiesic|przedawkowac)\b|\bwyskoczyc (przez okno|z "
          r"okna|z balkonu|z dachu)"),
    Entry(PL, S.SELF_HARM, r"\btne (sobie )?(rece|nadgarstki|nogi|uda|skore|przedramiona)\b"),
    Entry(PL, S.FAREWELL, r"\b(mam )?(juz )?wszystko przygotowane (zeby|by|do) odejsc|\bprzygotowan\w* (zeby|by|do) "
          r"odejsc"),
    Entry(PL, S.FAREWELL, r"\b(to )?moje (ostatnie )?pozegnanie\b|\bdziekuje (wam )?za wszystko\b|\b(juz )?mnie "
          r"nie bedzie\b", needs_company=True),
    Entry(PL, S.IDEATION, r"\bnie (daje|dam) rady\b|\bnie chce (juz )?tu byc\b|\bto wszystko skonczyc\b|"
          r"\b(zeby|by) to (wszystko )?sie skonczylo\b|\bskonczyc (z )?(to|"
          r"tym) wszystk\w*", needs_company=True, negatable=False),
)  # fmt: skip

# Words the entries above need, beyond `crisis_lexicon.TRIGGER_STEMS` (see there). Most entries already
# contain a trigger ("tired of living": "liv"); everyday words ("gracias", "better", "cansada") are left
# out on purpose. The filter gates the whole message: once one clause has a trigger every clause is read,
# so a `needs_company` sign ("gracias por todo") is found next to a sign that has one.
INDIRECT_STEMS = (
    "wish", "gone", "quit", "cortes", "corto", "talls", "tne", "dano", "magoa", "magoo", "aguant", "aguent",
    "comiat", "preparad", "preparat", "mori", "acord", "despert", "despier", "muer", "murie", "moress", "zbier",
    "odklad", "gromadz", "chowam", "wyskocz", "gdyby", "odejs", "cabinet", "drawer", "cupboard", "swallow",
    "estuvier", "estivess", "desapareg", "nacid", "nasc",
    "acabi", "acabe", "termine", "estare", "sere", "point",
)  # fmt: skip
INDIRECT_WORDS = frozenset({"ca", "fos", "irme"})
