"""Self-harm and suicide language in Catalan, Spanish, Portuguese, Polish and English.

Written for how people with cancer actually talk: they speak of death, pain and fear all the time ("this
chemo is killing me", "me muero de ganas de ver a mis hijos", "tenho medo de morrer", "nie chcę umierać"),
so the lexicon keys on *first-person wishes, intent, plans and self-harm*, not on words like death. Each
entry is a regex in ordinary spelling; `textfold.fold_pattern` folds it like the text (accents, stretched
letters, optional spaces), so one entry also matches "quiero morirrr", "chce umrzec" or "killmyself".

Tiers: ideation, intent, method, self-harm and farewell HOLD the message (and start the crisis response);
mentions of suicide and hopelessness only FLAG it for the moderators. Clinicians should review this file
with the site's own data before relying on it; docs/moderation.md reports its measured error rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from care.people import Language


class Signal(StrEnum):
    IDEATION = "ideation"  # a wish to be dead or not to live
    INTENT = "intent"  # a stated intention or plan to end one's life
    METHOD = "method"  # a means: pills, heights, hanging
    SELF_HARM = "self_harm"
    FAREWELL = "farewell"
    MENTION = "mention"  # suicide or self-harm spoken about, not as one's own wish
    HOPELESSNESS = "hopelessness"


HOLD_SIGNALS = frozenset({Signal.IDEATION, Signal.INTENT, Signal.METHOD, Signal.SELF_HARM, Signal.FAREWELL})


@dataclass(frozen=True, slots=True)
class Entry:
    language: Language
    signal: Signal
    pattern: str
    negatable: bool = True  # "I don't want to die" is fear, not a wish
    unless_followed_by: str | None = None  # idioms: "de risa", "at home", "as prescribed"
    third_person_guard: bool = False  # English has no verb ending to tell "I want" from "she wants"
    # A sign common in ordinary talk ("no puedo más", "thank you for everything"): it holds only together
    # with another such sign or a hopelessness entry in the same message; alone it flags as hopelessness.
    needs_company: bool = False


# Words that, among the three tokens before a match, reverse it ("no quiero morir", "nie chcę umrzeć").
NEGATORS = frozenset(
    {"not", "t", "dont", "never", "no", "nunca", "jamas", "nao", "nem", "nie", "mai", "ni", "cannot", "nigdy"}
)
# Contrast words reset the negation window: "no se por que, pero quiero morir".
CONTRASTS = frozenset({"but", "pero", "mas", "ale", "tylko", "mais", "though", "perque"})
THIRD_PERSON = frozenset(
    {
        "he", "she", "they", "hes", "shes", "his", "her", "their", "him", "them", "mom", "mum", "dad",
        "husband", "wife", "friend", "brother", "sister", "son", "daughter", "father", "mother", "someone",
        "people", "patients", "nobody", "everyone", "who", "you", "your",
    }
)  # fmt: skip

# Distinctive words safe to correct within one typo ("suicde", "myslef", "samobojstow").
TYPO_ANCHORS = [
    "suicide", "suicidal", "myself", "suicidio", "suicidarme", "suicidar", "suicidi", "samobojstwo",
    "samobojstwie", "samobojcze", "autolesion", "automutilacao", "przedawkowac", "sobredosis", "overdose",
    "stockpiling", "okaleczam", "suicides", "suicidas", "suicidios", "suicidarse", "suicidis",
    "suicidou", "suicidio",
]  # fmt: skip

# Every entry needs at least one token starting with one of these stems, or one of the whole words below
# (folded like the text). The
# detector skips a clause without any, which spares the regexes for nearly every message; a new entry
# whose words are not covered here must add its stem (tests/moderation/test_crisis_language.py checks
# that every sample that matches also passes this filter).
TRIGGER_STEMS = (
    # en
    "die", "dying", "dead", "death", "kil", "kms", "suic", "unalive", "myself", "live", "living", "alive",
    "exist", "wake", "harm", "hurt", "cut", "burn", "punish", "starv", "selfharm", "pil", "tablet",
    "morphine", "painkil", "oxy", "overdose", "jump", "throw", "hang", "goodbye", "burden", "disappear",
    "without",
    # es, ca, pt
    "morir", "morer", "muert", "matar", "viv", "viu", "existir", "desperta", "acorda", "ahorc", "colgar",
    "tirar", "cort", "lastim", "autoles", "pastil", "pildor", "medicin", "sobredos", "adios", "despedi",
    "despid", "carga", "desaparec", "acabar", "terminar", "penjar", "lanc", "tallar", "tallo", "tallat",
    "medicac", "adeu", "comiat", "carrega", "desapareix", "enforc", "atirar", "jogar", "magoa", "machuc",
    "ferir", "automutil", "autoflagel", "comprimid", "remedi", "medicament", "pilul", "fardo",
    # pl
    "umrz", "umar", "martw", "zyc", "zyl", "istn", "smier", "zabi", "samoboj", "powies", "rzuc", "skocz",
    "przedawk", "tne", "ciac", "pocia", "pociel", "okalecz", "samookalecz", "krzywd", "pigul", "proszk",
    "morfin", "zegna", "pozegn", "ciezar", "znikn", "obudz", "skoncz", "odebra", "odbior", "beze", "zasn",
    "urodz",
)  # fmt: skip
# Whole words (too short or too common to serve as prefixes) that some entries need.
TRIGGER_WORDS = frozenset(
    {
        "go", "od", "way", "end", "ending", "here", "self", "life", "meds", "medication", "mort", "morta",
        "morto", "morte", "vida", "dano", "mal", "sin", "sem", "sense", "leki", "born", "going", "seguir",
        "continuar", "dluzej",
    }
)  # fmt: skip

_DEATH_IDIOMS_EN = (
    r" ?(of|from) (embarrassment|boredom|shame|laughter|laughing|cringe)| laughing| at home| in peace|"
    r" peacefully| with dignity| without pain| surrounded| in my own bed| on my own terms| naturally"
)
_EN_SELF_KILL = (
    r"(kill|killing) myself|end(ing)? (my|it) (own )?life|end(ing)? it all|tak(e|ing) my (own )?life|"
    r"commit suicide|hang(ing)? myself|unalive myself|(throw|throwing) myself (off|under|in front of)"
)
_EN_INTENT = (
    r"(want|wanna|wana|going|gonna|plan|planning|decided|ready|about|tempted|urge|thinking about|"
    r"thought about|think about|thinking of|considering|ll|will|might|should just|could just)"
)

_ES_DESIRE = (
    r"(me gustaria|gustaria|quiero|kiero|qiero|qero|quisiera|queria|deseo|desearia|tengo ganas de|ganas de|prefiero|"
    r"preferiria|necesito|solo quiero)"
)
_ES_DEATH = (
    r"(morir|morirme|estar muert[oa]|dejar de vivir|dejar de existir|desaparecer para siempre|no existir|"
    r"no despertar(me)? (nunca|mas|manana))"
)
_ES_SELF_KILL = (
    r"(matarme|suicidarme|quitarme la vida|acabar con mi vida|acabar con todo|terminar con mi vida|"
    r"terminar con todo|ahorcarme|colgarme del|tirarme (por|de|desde|a|bajo) (la|el|un|una|las) "
    r"(ventana|balcon|puente|edificio|azotea|tren|vias|metro))"
)
_ES_INTENT = (
    r"(voy a|me voy a|pienso|he decidido|decidi|estoy decidid[oa] a|planeo|estoy planeando|"
    r"pienso en|pensando en|he pensado en|ideas de|tentad[oa] de)"
)
_ES_IDIOMS = (
    r" ?de (risa|verguenza|la verguenza|asco|pena|aburrimiento|ganas|envidia|sueno|hambre|calor|frio)|"
    r" en (casa|paz|mi cama|su cama)| con dignidad| sin (dolor|sufrir)| tranquil| rodead| dignamente"
)

_CA_DESIRE = r"(m agradaria|vull|voldria|volia|desitjo|tinc ganes de|ganes de|preferiria|prefereixo|necessito)"
_CA_DEATH = (
    r"(morir|morir me|estar mort|estar morta|deixar de viure|deixar d existir|desapareixer per sempre|"
    r"no existir|no despertar( me)? (mai|mes|dema))"
)
_CA_SELF_KILL = (
    r"(matar me|suicidar me|treure m la vida|acabar amb la meva vida|acabar amb tot|"
    r"posar fi a la meva vida|penjar me|llancar me (per|des de|de|a) (la|el|un|les) "
    r"(finestra|balco|pont|edifici|terrat|tren|vies))"
)
_CA_INTENT = r"(vaig a|penso|he decidit|he pensat en|estic pensant en|penso en|pensant en|planejo)"
_CA_IDIOMS = (
    r" ?de (riure|vergonya|fastic|pena|ganes|avorriment|son|gana)| a casa| al (seu|meu) llit| en pau| amb dignitat|"
    r" sense (dolor|patir)| tranquil"
)

_PT_DESIRE = (
    r"(gostava de|gostaria de|quero|qero|qro|kero|queria|quereria|desejo|tenho vontade de|vontade de|prefiro|preferia|"
    r"so penso em|so quero)"
)
_PT_DEATH = (
    r"(morrer|estar mort[oa]|deixar de viver|deixar de existir|desaparecer para sempre|nao existir|"
    r"nao acordar (mais|nunca|amanha))"
)
_PT_SELF_KILL = (
    r"(me matar|matar me|me suicidar|suicidar me|tirar a (minha )?(propria )?vida|tirar me a vida|"
    r"acabar com a minha vida|acabar com tudo|por fim a minha vida|me enforcar|enforcar me|"
    r"(me atirar|atirar me|me jogar|jogar me) (da|de|pela|do|para debaixo do|para a frente do) "
    r"(janela|ponte|predio|varanda|comboio|trem|linha|metro))"
)
_PT_INTENT = (
    r"(vou|eu vou|decidi|estou decidid[oa] a|penso em|pensando em|pensei em|tenho pensado em|"
    r"planeio|planejo)"
)
_PT_IDIOMS = (
    r" ?de (rir|vergonha|tedio|saudade|saudades|cansaco|vontade|fome|sono)| em (casa|paz)|"
    r" na (sua |minha )?cama|"
    r" com dignidade| sem (dor|sofrer)| tranquil| rodead"
)

_PL_DESIRE = (
    r"(chce|chcialbym|chcialabym|chcialam|chcialem|pragne|wolalbym|wolalabym|marze zeby|"
    r"marze o tym zeby|mam ochote)"
)
_PL_DEATH = r"(umrzec|nie zyc|juz nie zyc|zniknac na zawsze|nie istniec|byc martw[ya]|zasnac na zawsze)"
_PL_SELF_KILL = (
    r"(sie zabic|zabic sie|odebrac sobie zycie|skonczyc ze soba|skonczyc z zyciem|popelnic samobojstwo|"
    r"sie powiesic|powiesic sie|przedawkowac|(rzucic sie|skoczyc) (z mostu|pod pociag|z okna|z dachu|"
    r"z balkonu|pod samochod))"
)
_PL_INTENT = r"(zamierzam|planuje|postanowilem|postanowilam|chyba|mysle zeby|mysle o tym zeby|rozwazam)"
_PL_IDIOMS = r" ?(ze (wstydu|smiechu|nudow|zmeczenia)| w (domu|spokoju)| godnie| bez bolu| we? (wlasnym|swoim) lozku)"

EN, ES, CA, PT, PL = Language.EN, Language.ES, Language.CA, Language.PT, Language.PL
S = Signal

ENTRIES: tuple[Entry, ...] = (
    # --- English ---
    Entry(EN, S.IDEATION, r"\b(want|wanna|wana|wish|wishing|longing|desperate|praying) (to )?(die|be dead|"
          r"not be alive|not exist|disappear forever)\b", unless_followed_by=_DEATH_IDIOMS_EN,
          third_person_guard=True),
    Entry(EN, S.IDEATION, r"\bwish (i|that i) (was|were|could|would|had) (just )?(dead|die|not wake up|"
          r"never wake up|not exist|never been born|disappear)"),
    Entry(EN, S.IDEATION, r"\b(don t|dont|do not|no longer) (really )?(want|wanna|wana) (to )?(live|be alive|"
          r"exist|go on living|keep living)\b", negatable=False,
          unless_followed_by=r" ?(in|with|alone|near|close|there|here|without|far|at|on|under|through)\b"),
    Entry(EN, S.IDEATION, r"\b(don t|dont|do not) (want|wanna) to wake up (any ?more|again|ever|tomorrow)|"
          r"\bhope i (don t|dont|do not|never|won t|wont) wake up|\b(sleep|go to sleep) and (never|not) "
          r"wake up", negatable=False),
    Entry(EN, S.IDEATION, r"\bbetter off (dead|without me)\b|\b(be|are|is) better without me\b"),
    Entry(EN, S.IDEATION, r"\bno (reason|point) (to|in|of) (live|living|going on|being alive)\b|"
          r"\b(not|isn t|isnt|no longer) worth living\b", negatable=False),
    Entry(EN, S.IDEATION, r"\b(suicidal|suicidal thoughts|thoughts of suicide)\b", third_person_guard=True),
    Entry(EN, S.INTENT, rf"\b({_EN_SELF_KILL})\b", third_person_guard=True),
    Entry(EN, S.INTENT, r"\b(?<!\d\s)kms\b"),
    Entry(EN, S.SELF_HARM, r"\b(cut|cutting|burn|burning|harm|harming|punish|punishing|starve|starving) "
          r"myself\b", unless_followed_by=r" ?(shaving|cooking|chopping|while|on a|on the|by accident|"
          r"accidentally|in the kitchen|with a knife while)", third_person_guard=True),
    Entry(EN, S.SELF_HARM, rf"\b{_EN_INTENT} (to )?hurt myself\b"),
    Entry(EN, S.SELF_HARM, r"\b(i|im|ve|been|started|start|keep|kept|back to|urge to|want to|wanna) "
          r"(self harm|selfharm|self harming|self injur\w*)"),
    Entry(EN, S.METHOD, rf"\b{_EN_INTENT} (to )?(take|swallow|down) all (of )?(my|the|these|those) (pills|"
          r"tablets|meds|medication|morphine|painkillers|sleeping pills)\b",
          unless_followed_by=r" ?(with|after|before|in the morning|at night|on time|as prescribed|today|"
          r"tomorrow|at breakfast)"),
    Entry(EN, S.METHOD, r"\b(take|taking|took|swallow|swallowing|swallowed) all (of )?(my|the) (pills|"
          r"tablets|meds|medication|morphine|painkillers|sleeping pills) (at once|in one go|together)"),
    Entry(EN, S.METHOD, r"\b(stockpil\w*|saving up|hoarding|storing up) (my )?(pills|tablets|meds|morphine|"
          r"painkillers|oxy\w*)"),
    Entry(EN, S.METHOD, r"\b(jump|jumping) (off|from|in front of) (a|the|my) (bridge|building|roof|cliff|"
          r"balcony|window|train|bus|car|tower)", third_person_guard=True),
    Entry(EN, S.METHOD, rf"\b{_EN_INTENT} (to )?(take an |do an )?(overdose|od)\b"),
    Entry(EN, S.FAREWELL, r"\bgoodbye (forever|cruel world)\b|\bmy (final|last) goodbye\b|"
          r"\b(wrote|writing|written|left) (a|my) suicide note\b"),
    Entry(EN, S.IDEATION, r"\b(don t|dont|do not) want to be here any ?more\b|\b(no|any) (other )?way out (but|"
          r"except|other than|apart from)\b|\bonly way out (is|would be) (to die|death|dying)\b", negatable=False),
    Entry(EN, S.INTENT, rf"\b{_EN_INTENT} (about )?end(ing)? (things|it)\b",
          unless_followed_by=r" ?(with|there|early|off|up|on|at|for|by)\b"),
    Entry(EN, S.MENTION, r"\b(suicide|self harm|selfharm|kill (herself|himself|themselves))\b"),
    Entry(EN, S.HOPELESSNESS, r"\b(can t|cant|cannot) go on\b|\bi m a burden\b|\bim a burden\b|"
          r"\bjust a burden\b|\bwant to disappear\b|\bthis is goodbye\b|\bgoodbye (letter|letters|notes)\b"),
    # --- Español ---
    Entry(ES, S.IDEATION, rf"\b{_ES_DESIRE} {_ES_DEATH}\b", unless_followed_by=_ES_IDIOMS),
    Entry(ES, S.INTENT, rf"\b({_ES_DESIRE}|{_ES_INTENT}) {_ES_SELF_KILL}",
          unless_followed_by=r" ?(esto|este|esta|eso|lo de|el tratamiento|la quimio|los|las)\b"),
    Entry(ES, S.INTENT, r"\bme (quiero|kiero|qiero) (morir|matar|suicidar)\b|\bme voy a (matar|suicidar|"
          r"quitar la vida)\b|\bme (matare|suicidare)\b", unless_followed_by=_ES_IDIOMS),
    Entry(ES, S.IDEATION, r"\b(no (quiero|kiero|qiero|puedo) (vivir|seguir viviendo|seguir con vida|"
          r"estar viv[oa]|existir|despertar(me)?)( mas)?|no quiero despertar(me)? nunca)\b", negatable=False,
          unless_followed_by=r" ?(con|en|asi de|pendiente|preocupad|angustiad|sol[oa]|lejos|cerca|alli|"
          r"aqui|sin|de alquiler|temprano|pronto|a las)\b"),
    Entry(ES, S.IDEATION, r"\b(estaria|estarian|estariamos|estarias|estaran) mejor (muert[oa]|sin mi)\b|"
          r"\bmejor (estar )?muert[oa]\b|\bmejor sin mi\b"),
    Entry(ES, S.IDEATION, r"\bno vale la pena (vivir|seguir viviendo)\b|\bno tengo (razones|motivos|ganas|"
          r"fuerzas) (para|de) (vivir|seguir viviendo)\b|\bsin (razon|razones|motivo|motivos|ganas) (para|de) "
          r"vivir\b|\bojala no despertar(me)?\b|\bdormir(me)? y no despertar", negatable=False),
    Entry(ES, S.IDEATION, r"\b(pensamientos|ideas|ideacion) (suicidas?|de suicidio|de matarme|de quitarme la "
          r"vida)|\b(pienso|pensando|he pensado) en (el )?suicidio"),
    Entry(ES, S.SELF_HARM, r"\b(cortarme|me corto|me he cortado|me corte|volvi a cortarme) (las venas|los "
          r"brazos|las munecas|las piernas|otra vez|de nuevo)|\b(autolesion\w*|me autolesiono)\b|"
          r"\b(quiero|kiero|ganas de|voy a|necesito) (hacerme dano|lastimarme|cortarme)\b|"
          r"\bhacerme dano a proposito"),
    Entry(ES, S.METHOD, rf"\b({_ES_DESIRE}|{_ES_INTENT}) (tomarme|tragarme|tomar|tragar) (todas|toda) (las|mis) "
          r"(pastillas|pildoras|medicinas|morfina|pastis)|\b(me tome|me tomo|tome) (todas) (las|mis) "
          r"(pastillas|pildoras|medicinas) (de golpe|de una vez|juntas)|\b(acumulando|guardando|juntando) "
          r"(pastillas|morfina|pildoras)", unless_followed_by=r" ?(con|despues|antes|por la|a la hora|cada)"),
    Entry(ES, S.IDEATION, r"\b(no veo|no hay|no tengo) (otra )?salida (que|mas que|excepto|salvo) (morir|morirme|la "
          r"muerte|matarme|quitarme la vida)", negatable=False),
    Entry(ES, S.FAREWELL, r"\badios para siempre\b|\bmi ultima despedida\b|\bme despido para siempre\b"),
    Entry(ES, S.MENTION, r"\bsuicid\w*"),
    Entry(ES, S.HOPELESSNESS, r"\bno puedo seguir asi\b|\bsoy una carga\b|\bquiero desaparecer\b"
          r"|\bcartas? de despedida\b"),
    # --- Català ---
    Entry(CA, S.IDEATION, rf"\b{_CA_DESIRE} {_CA_DEATH}\b", unless_followed_by=_CA_IDIOMS),
    Entry(CA, S.INTENT, rf"\b({_CA_DESIRE}|{_CA_INTENT}) {_CA_SELF_KILL}",
          unless_followed_by=r" ?(aixo|amb aquest|la quimio|el tractament)\b"),
    Entry(CA, S.INTENT, r"\bem (vull|voldria) (morir|matar|suicidar)\b|\bem (matare|suicidare)\b|"
          r"\bm estimaria mes estar (mort|morta)\b", unless_followed_by=_CA_IDIOMS),
    Entry(CA, S.IDEATION, r"\bno (vull|puc) (viure|seguir vivint|continuar vivint|estar viu|estar viva|"
          r"existir)( mes)?\b", negatable=False,
          unless_followed_by=r" ?(amb|en|aixi de|sol|sola|lluny|a prop|alla|aqui|sense|de lloguer)\b"),
    Entry(CA, S.IDEATION, r"\b(estaria|estarien|estarieu|estariem) millor (mort|morta|sense mi)\b|"
          r"\bmillor (estar )?(mort|morta)\b|\bmillor sense mi\b"),
    Entry(CA, S.IDEATION, r"\bno val la pena (viure|seguir vivint)\b|\bno tinc (raons|motius|ganes|forces) "
          r"(per|de) (viure|seguir vivint)\b|\bsense (ganes|motius) de viure\b|\bno despertar( me)? mai mes\b|"
          r"\b(a)?dormir( me)? i no despertar", negatable=False),
    Entry(CA, S.IDEATION, r"\b(pensaments|idees) (suicides|de suicidi|de matar me|de treure m la vida)|"
          r"\b(penso|pensant|he pensat) en (el )?suicidi\b"),
    Entry(CA, S.SELF_HARM, r"\b(tallar me|em tallo|m he tallat|tornar a tallar me) (les venes|els bracos|els "
          r"canells|les cames|un altre cop|altra vegada)|\bautolesi\w*|\b(vull|ganes de|vaig a|necessito) "
          r"(fer me mal|tallar me)\b|\bfer me mal a proposit"),
    Entry(CA, S.METHOD, r"\b(prendre m|em vull prendre|prendre me|empassar me) (totes|tota) (les|la) (pastilles|"
          r"medicacio|morfina)|\b(acumulant|guardant) (pastilles|morfina)\b"),
    Entry(CA, S.IDEATION, r"\bno (veig|hi ha|tinc) (cap )?(altra )?sortida (que|mes que|excepte) (morir|la mort|"
          r"matar me)", negatable=False),
    Entry(CA, S.FAREWELL, r"\badeu per sempre\b|\bel meu ultim adeu\b"),
    Entry(CA, S.MENTION, r"\bsuicid\w*"),
    Entry(CA, S.HOPELESSNESS, r"\bno puc seguir aixi\b|\bsoc una carrega\b|\bvull desapareixer\b"
          r"|\bcartes? de comiat\b"),
    # --- Português ---
    Entry(PT, S.IDEATION, rf"\b{_PT_DESIRE} {_PT_DEATH}\b", unless_followed_by=_PT_IDIOMS),
    Entry(PT, S.INTENT, rf"\b({_PT_DESIRE}|{_PT_INTENT}) {_PT_SELF_KILL}",
          unless_followed_by=r" ?(isto|isso|este|esta|com a quimio|com o tratamento)\b"),
    Entry(PT, S.IDEATION, r"\bnao (quero|qero|aguento|consigo) (mais )?(viver|continuar a viver|continuar vivendo|"
          r"seguir vivendo|estar viv[oa]|existir)( mais)?\b", negatable=False,
          unless_followed_by=r" ?(com|em|assim de|sozinh|longe|perto|ali|aqui|sem|de aluguel)\b"),
    Entry(PT, S.IDEATION, r"\b(estaria|estariam|estariamos|ficariam|ficaria|ficavam) melhor (mort[oa]|sem "
          r"mim)\b|\bmelhor (estar )?mort[oa]\b|\bmelhor sem mim\b"),
    Entry(PT, S.IDEATION, r"\bnao vale a pena (viver|continuar a viver|continuar vivendo)\b|\bnao tenho "
          r"(razoes|motivos|vontade|forcas) (para|de) (continuar a )?viver\b|\bsem vontade de viver\b|"
          r"\bnao acordar mais\b|"
          r"\bdormir e nao acordar", negatable=False),
    Entry(PT, S.IDEATION, r"\b(pensamentos|ideias|ideacao) (suicidas?|de suicidio|de me matar)|\b(penso|pensando|"
          r"pensei|tenho pensado) (em|no) suicidio\b"),
    Entry(PT, S.SELF_HARM, r"\b(me corto|eu me corto|me cortei de novo|voltei a me cortar|corto me)\b|"
          r"\b(automutila\w*|autolesa\w*|autolesao|autoflagela\w*)\b|\b(quero|vontade de|vou|preciso) "
          r"(me magoar|magoar me|me machucar|machucar me|me ferir|ferir me|me cortar|cortar me)\b",
          unless_followed_by=r" ?(o|a|os|as|um|uma) (cabelo|unha|unhas|dedo|barba|franja)|a cozinhar|"
          r" na cozinha| sem querer"),
    Entry(PT, S.METHOD, rf"\b({_PT_DESIRE}|{_PT_INTENT}) (tomar|engolir) (todos|todas) (os|as) (meus |minhas )?"
          r"(comprimidos|remedios|medicamentos|pilulas|morfina)|\btomei (todos|todas) (os|as) (meus |minhas )?"
          r"(comprimidos|remedios|medicamentos) de uma vez|\b(juntando|guardando|acumulando) (comprimidos|"
          r"remedios|morfina)\b", unless_followed_by=r" ?(com|depois|antes|de manha|a noite|a hora|como)"),
    Entry(PT, S.IDEATION, r"\bnao (vejo|ha|tenho) (outra )?saida (a nao ser|senao|alem de|que nao seja) (morrer|a "
          r"morte|me matar)", negatable=False),
    Entry(PT, S.FAREWELL, r"\badeus para sempre\b|\bmeu ultimo adeus\b"),
    Entry(PT, S.MENTION, r"\bsuicid\w*"),
    Entry(PT, S.HOPELESSNESS, r"\bnao consigo continuar\b|\bsou um fardo\b|\bquero desaparecer\b"
          r"|\bcartas? de despedida\b"),
    # --- Polski ---
    Entry(PL, S.IDEATION, rf"\b{_PL_DESIRE} {_PL_DEATH}\b", unless_followed_by=_PL_IDIOMS),
    Entry(PL, S.INTENT, rf"\b({_PL_DESIRE}|{_PL_INTENT}) {_PL_SELF_KILL}"),
    Entry(PL, S.INTENT, r"\b(zabije sie|sie zabije|zabijam sie|odbiore sobie zycie|skoncze ze soba|popelnie "
          r"samobojstwo|powiesze sie|sie powiesze|przedawkuje|(rzuce sie|skocze) (z mostu|pod pociag|z okna|"
          r"z dachu|z balkonu|pod samochod))\b"),
    Entry(PL, S.IDEATION, r"\bnie chce (juz )?zyc\b", negatable=False,
          unless_followed_by=r" ?(w|z|bez|tak|tam|tutaj|sam|sama)\b"),
    Entry(PL, S.IDEATION, r"\bnie chce mi sie (juz )?zyc\b|\bnie mam (po co|dla kogo|sily) (dalej )?zyc\b|"
          r"\bnie warto zyc\b|\bnie ma sensu zyc\b|\bzasnac i (sie )?nie obudzic|\bzeby sie (juz )?nie obudzic",
          negatable=False),
    Entry(PL, S.IDEATION, r"\blepiej (by bylo |byloby )?(beze mnie|gdybym (umarl|umarla|nie zyl|nie zyla|"
          r"nie istnial|nie istniala|sie nie urodzil|sie nie urodzila))|\b(bedzie|byloby) lepiej beze mnie"),
    Entry(PL, S.IDEATION, r"\b(mysli|mam mysli) (samobojcze|o samobojstwie|o odebraniu sobie zycia)|"
          r"\bmysle o (samobojstwie|odebraniu sobie zycia)"),
    Entry(PL, S.SELF_HARM, r"\b(tne sie|ciac sie|pociac sie|pocielam sie|pocielem sie|okaleczam sie|"
          r"okaleczac sie|samookalecz\w*|zrobic sobie krzywde|zrobie sobie krzywde)\b",
          unless_followed_by=r" ?(przy|podczas|niechcacy|przypadkiem)\b"),
    Entry(PL, S.METHOD, r"\b(lyknac|lykne|polknac|polkne|wziac|wezme|zazyc|zazyje) wszystkie (moje )?(tabletki|"
          r"leki|pigulki|proszki)\b|\b(zbieram|odkladam|gromadze) (tabletki|leki|morfine)\b",
          unless_followed_by=r" ?(rano|wieczorem|po|przed|z|o|na czas|zgodnie)\b"),
    Entry(PL, S.IDEATION, r"\bnie (widze|ma|mam) (innego )?wyjscia (niz|poza|oprocz) (smierc|smiercia|umrzec|"
          r"samobojstwo|samobojstwem)", negatable=False),
    Entry(PL, S.FAREWELL, r"\b(zegnajcie|zegnam) na zawsze\b|\bmoje ostatnie pozegnanie\b"),
    Entry(PL, S.MENTION, r"\bsamoboj\w*"),
    Entry(PL, S.HOPELESSNESS, r"\bnie dam rady dluzej\b|\bjestem ciezarem\b|\bchce zniknac\b|\blist pozegnalny\b"),
)  # fmt: skip
